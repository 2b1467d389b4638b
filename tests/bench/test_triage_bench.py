"""bench/triage.py's own arithmetic: what it feeds the product must mean what the product reads."""

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tickets.triage.surge import WINDOW, expected_in_window

_BENCH = Path(__file__).resolve().parents[2] / "bench"
_PATH = _BENCH / "triage.py"
sys.path.insert(0, str(_BENCH))  # as when run: its sibling benchdb.py
_spec = importlib.util.spec_from_file_location("bench_triage", _PATH)
triage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(triage)


def test_a_warmed_baseline_expects_the_days_average_in_a_window():
    # 4,800 tickets a day for long: detection should expect a day's share of them in each window.
    per_window = 4_800 * (WINDOW / timedelta(days=1))
    assert abs(expected_in_window(triage.steady_level(4_800)) - per_window) < 0.01 * per_window


def test_the_days_tweets_hold_both_surges_in_their_minutes():
    start = datetime(2026, 11, 30, tzinfo=UTC)
    pages, surge_ids = triage.day_pages(tweets=400, surge=50, day_start=start)
    assert len(pages) == 400
    assert sorted(set(surge_ids.values())) == sorted(name for name, *_ in triage.SURGES)
    at = {page["data"][0]["id"]: second for second, page in pages}
    for name, (hour, minute), *_ in triage.SURGES:
        seconds = [at[tweet_id] for tweet_id, surge in surge_ids.items() if surge == name]
        assert len(seconds) == 50
        begin = (hour * 60 + minute) * 60
        assert all(begin <= s < begin + triage.SURGE_MINUTES * 60 for s in seconds)
