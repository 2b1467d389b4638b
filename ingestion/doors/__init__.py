"""The network doors through which tweets arrive: the recent-search poller and the filtered stream.

Both ask X with the same query strings (`x_queries.py`) and store what they receive in the inbox
first; in tests and the demo, devtools' simulator feeds them, through the fake X API, the same
shapes X sends.
"""
