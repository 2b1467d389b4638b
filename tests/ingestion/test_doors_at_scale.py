"""The X doors at many ministries' scale (issue 11): stream rules within the plan's limits, re-synced
while the stream stays connected, X's refusals counted; recent search within the app's request budget.

Real PostgreSQL and Redis; the fake X API on a loopback port.
"""

import io
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from departments import services
from departments.models import Department, Hashtag, OfficialAccount
from devtools.fake_x import FakeXApi
from ingestion.doors.search import QueryStatus, search_poll
from ingestion.doors.stream import stream_consume
from ingestion.doors.stream_rules import stream_rules_apply, stream_rules_plan
from ingestion.doors.x_queries import TrackedQuery, query_terms, query_text, tracked_terms
from ingestion.models import InboxTweet, PollCursor, StreamRuleRefusal
from ingestion.x_client import XClient
from tests.ingestion.factories import v2_tweet

pytestmark = pytest.mark.usefixtures("own_cache_keys")


def handles(count: int) -> list[str]:
    # 15 characters, X's longest handle: the worst case for packing.
    return [f"@SevaHandle{n:04d}" for n in range(count)]


def terms_of(rules: list[str]) -> list[str]:
    return [term for rule in rules for term in query_terms(rule)]


# --- packing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("max_length", "at_most"), [(1024, 1000), (512, 1000)])
def test_rules_for_3000_handles_fit_the_plan_and_hold_every_handle_exactly_once(settings, max_length, at_most):
    settings.X_STREAM_RULE_MAX_LENGTH, settings.X_STREAM_MAX_RULES = max_length, at_most
    wanted = handles(3000)

    rules = stream_rules_plan(wanted, existing=[])

    assert len(rules) <= at_most
    assert all(len(rule) <= max_length for rule in rules)
    assert sorted(terms_of(rules)) == sorted(wanted)  # each handle in exactly one rule
    # Packed, not one rule per department: 3,000 handles of 16 characters in ~53 or ~107 rules.
    assert len(rules) <= 3000 * len(" OR @SevaHandle0000") // (max_length - 20) + 1


def test_3000_official_accounts_of_many_departments_reach_x_as_rules_within_the_plan(seeded, fake_x):
    ministry = Department.objects.create(code="SHIPPING", name_en="Ministry of Shipping")
    zones = Department.objects.bulk_create(
        Department(code=f"SHIP_Z{n:03d}", name_en=f"Zone {n}", parent=ministry) for n in range(300)
    )
    OfficialAccount.objects.bulk_create(
        OfficialAccount(handle=handle.removeprefix("@"), x_user_id=str(7_000_000 + n), department=zones[n % 300])
        for n, handle in enumerate(handles(3000))
    )

    with XClient(base_url=fake_x.base_url, bearer_token="", timeout=10.0, account_tokens={}) as client:
        sync = stream_rules_apply(client, tracked_terms())

    values = [rule["value"] for rule in fake_x.rules]
    assert sync.errors == []
    assert len(values) <= 1000
    assert all(len(value) <= 1024 for value in values)
    assert sorted(terms_of(values)) == sorted(tracked_terms())  # the seed's and the 3,000, each once
    assert len(values) < 300  # far fewer than one rule per department


def test_one_new_or_removed_handle_changes_one_rule_not_all(settings):
    settings.X_STREAM_RULE_MAX_LENGTH = 1024
    before = stream_rules_plan(handles(3000), existing=[])

    added = stream_rules_plan([*handles(3000), "@NewDeptHandle"], existing=before)
    removed = stream_rules_plan([term for term in handles(3000) if term != "@SevaHandle1500"], existing=before)

    for after in (added, removed):
        assert len(set(before) - set(after)) <= 1
        assert len(set(after) - set(before)) <= 1
    assert "@NewDeptHandle" in terms_of(added)
    assert sorted(terms_of(removed)) == sorted(set(handles(3000)) - {"@SevaHandle1500"})


def test_a_plan_that_passes_the_rule_cap_is_packed_afresh(settings):
    settings.X_STREAM_RULE_MAX_LENGTH, settings.X_STREAM_MAX_RULES = 1024, 3
    # Rules X has, left a third full by earlier removals: kept as they are, they would need a fourth.
    sparse = [query_text(handles(120)[n : n + 20]) for n in range(0, 120, 40)]

    rules = stream_rules_plan([*handles(120), "@OneMore"], existing=sparse)

    assert len(rules) <= 3
    assert sorted(terms_of(rules)) == sorted([*handles(120), "@OneMore"])


# --- the check command -------------------------------------------------------------------------


def test_the_check_command_reports_the_rules_needed_and_refuses_a_configuration_past_the_plan(seeded, settings):
    out = io.StringIO()
    call_command("check_x_limits", stdout=out)
    assert "stream rules: 1 needed of 1000 allowed" in out.getvalue()
    assert "The configuration fits the X plan." in out.getvalue()

    settings.X_STREAM_RULE_MAX_LENGTH, settings.X_STREAM_MAX_RULES = 200, 1  # the seed needs 2 such rules
    with pytest.raises(CommandError, match=r"would need 2 rules .* allows 1\. Remove handles or hashtags"):
        call_command("check_x_limits", stdout=io.StringIO())


# --- re-sync while connected -------------------------------------------------------------------


def test_an_admins_new_hashtag_reaches_the_stream_rules_within_a_minute_without_a_reconnect(
    transactional_db, seeded, fake_x
):
    stop, seen = threading.Event(), {}
    tweet = v2_tweet("No signal in Shimla since morning #BSNLHimachal")

    def admin_adds_a_hashtag_while_connected():
        try:
            deadline = time.monotonic() + 20
            while fake_x.stream_connections_opened == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            saved_at = time.monotonic()
            admin = User.objects.get(username="admin")
            bsnl = Department.objects.get(code="BSNL")
            services.hashtag_save(actor=admin, hashtag=Hashtag(tag="BSNLHimachal", department=bsnl))
            while not any("#BSNLHimachal" in rule["value"] for rule in fake_x.rules):
                if time.monotonic() > deadline:
                    return
                time.sleep(0.02)
            seen["seconds"] = time.monotonic() - saved_at
            fake_x.push_to_stream(tweet["data"], tweet["includes"]["users"])
            while not InboxTweet.objects.filter(tweet_id=int(tweet["data"][0]["id"])).exists():
                if time.monotonic() > deadline:
                    return
                time.sleep(0.05)
        finally:
            connection.close()
            stop.set()

    helper = threading.Thread(target=admin_adds_a_hashtag_while_connected)
    with XClient(base_url=fake_x.base_url, bearer_token="", timeout=2.0, account_tokens={}) as client:
        helper.start()
        summary = stream_consume(client=client, stop=stop, read_timeout=0.5, max_seconds=25, rules_recheck=0.2)
    helper.join()

    assert seen["seconds"] < 60
    assert fake_x.stream_connections_opened == 1
    assert (summary.connections, summary.reconnects, summary.rule_syncs) == (1, 0, 2)
    assert InboxTweet.objects.filter(tweet_id=int(tweet["data"][0]["id"])).exists()
    values = [rule["value"] for rule in fake_x.rules]
    assert sum("#BSNLHimachal" in value for value in values) == 1


# --- X's refusals ------------------------------------------------------------------------------


def test_rules_x_refuses_are_counted_stored_and_shown_by_the_check(seeded, settings):
    settings.X_STREAM_RULE_MAX_LENGTH = 200  # the seed's terms need two rules of 200 characters...
    with FakeXApi(keepalive_interval=0.05, max_rules=1) as fake:  # ...and this X allows one
        settings.X_API_BASE_URL = fake.base_url
        with XClient(base_url=fake.base_url, bearer_token="", timeout=2.0, account_tokens={}) as client:
            summary = stream_consume(client=client, read_timeout=0.5, max_seconds=1.0, sleep=lambda _: None)
        assert len(fake.rules) == 1

    assert summary.rules_refused == 1
    refusal = StreamRuleRefusal.objects.get()
    assert refusal.title == "RulesCapExceeded"
    assert refusal.problem_type.endswith("/problems/rule-cap")
    assert query_terms(refusal.value)
    out = io.StringIO()
    call_command("check_x_limits", stdout=out)
    assert "stream rules X refused in the last 7 days: 1" in out.getvalue()


# --- recent search within the budget -----------------------------------------------------------


def test_the_scheduler_polls_1000_queries_within_the_budget_and_each_of_them_every_cycle(db, settings):
    settings.X_SEARCH_REQUESTS_PER_WINDOW, settings.X_SEARCH_WINDOW_SECONDS = 450, 900
    settings.X_SEARCH_POLL_INTERVAL_SECONDS = 60
    queries = [TrackedQuery(f"#Q{n:04d}", query_text([f"#Q{n:04d}"])) for n in range(1000)]
    busy = queries[700]
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    clock = [start.timestamp()]
    runs, statuses, busy_polled = 40, set(), []
    requests_by_window: dict[int, int] = {}
    with (
        FakeXApi(keepalive_interval=0.05, clock=lambda: clock[0]) as fake,
        XClient(base_url=fake.base_url, bearer_token="", timeout=2.0, account_tokens={}) as client,
    ):
        for run in range(runs):
            now = start + timedelta(minutes=run)
            clock[0] = now.timestamp()
            for n in range(3):  # the busy query's hashtag is tweeted every minute
                page = v2_tweet(f"Outage again {run}-{n} #Q0700")
                fake.add_tweets(page["data"], page["includes"]["users"])
            summary = search_poll(client=client, queries=queries, now=now, max_results=10)
            statuses |= {poll.status for poll in summary.queries}
            busy_polled.append(any(poll.query == busy.query for poll in summary.queries))
            window = run * 60 // 900
            requests_by_window[window] = requests_by_window.get(window, 0) + summary.requests
        searched = sum(request.path == "/2/tweets/search/recent" for request in fake.requests)

    assert statuses <= {QueryStatus.DONE, QueryStatus.MORE}  # never a 429
    assert searched == sum(requests_by_window.values())
    assert all(count <= 450 for count in requests_by_window.values())
    assert requests_by_window[0] == 450  # and the budget is spent, not left idle
    # Every query was polled within the cycle: 1,000 queries at 30 requests a minute.
    assert PollCursor.objects.filter(polled_at__isnull=False).count() == 1000
    assert summary.cycle <= timedelta(minutes=67)
    # Once its first poll showed how busy it is, the busiest query is polled every minute, not once a cycle.
    first = busy_polled.index(True)
    assert first < 34
    assert all(busy_polled[first:])
    assert summary.lagging[0].polled_at is not None
