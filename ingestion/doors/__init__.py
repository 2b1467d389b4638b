"""The network doors through which tweets arrive: the recent-search poller and the filtered stream.

Both ask X for the same terms, every ministry's handles and hashtags (`x_queries.py`), packed into
search queries of 512 characters and stream rules of the plan's length, and store what they receive in
the inbox first; in tests and the demo, devtools' simulator feeds them, through the fake X API, the same
shapes X sends.
"""
