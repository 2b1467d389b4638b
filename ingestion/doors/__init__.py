"""The network doors through which tweets arrive: the recent-search poller and the filtered stream.

Both ask X with the same queries (`queries.py`) and store what they receive in the inbox first; the
simulator (`simulator.py`) feeds them, through the fake X API, the same shapes X sends.
"""
