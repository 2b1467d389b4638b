"""Tools for tests, the demo and benchmarks; installed by the local and test settings only.

The product never imports from here: `fake_x` stands in for the X API, `tweet_generator` writes
realistic citizen tweets, and `simulator` sends them where real traffic comes from.
"""
