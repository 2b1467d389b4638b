"""bench/scale.py's configuration is the one issue 11 names: 40 ministries, 3,000 official accounts and
3,000 hashtags over 2,000 departments and units; its tweets route to those ministries."""

import importlib.util
import sys
from pathlib import Path

import pytest

from departments.models import Department, Hashtag, OfficialAccount
from ingestion.parsing import parse_document

_BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(_BENCH))  # as when run: its sibling benchdb.py
_spec = importlib.util.spec_from_file_location("bench_scale", _BENCH / "scale.py")
scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scale)


@pytest.mark.django_db
def test_the_bench_sets_up_40_ministries_with_3000_accounts_and_3000_hashtags_over_2000_departments():
    handles, tags = scale.add_ministries()

    ministries = Department.objects.filter(parent=None, code__startswith="M")
    below = Department.objects.filter(parent__isnull=False, code__startswith="M")
    assert ministries.count() == 40
    assert below.count() == 2000
    assert below.filter(is_unit=True).count() == 1000
    assert OfficialAccount.objects.filter(department__in=below).count() == len(handles) == 3000
    assert Hashtag.objects.filter(department__in=below).count() == len(tags) == 3000
    # Every department and unit has a handle or a hashtag: the rules cannot map to departments.
    assert below.filter(official_accounts__isnull=True, hashtags__isnull=True).count() == 0

    config, _ = scale.routing_config()
    routes = [
        config.route(tweet).route["by"]
        for line in scale.scale_lines(10, handles, tags)
        for tweet in parse_document(line).tweets
    ]
    # Half mention an account only, half carry a hashtag too (hashtags route first): none is left to triage.
    assert routes == ["mention", "hashtag"] * 5
