"""The minister's dashboard: its period, its figures (read from the rollup kept by triggers, and from
indexes for what is open now), and the queue link behind each figure."""
