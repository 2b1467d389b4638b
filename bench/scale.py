"""The X doors at many ministries' scale (issue 11): 40 ministries, 3,000 official accounts and 3,000
hashtags over 2,000 departments and units, next to the seed's configuration in the same run.

    .venv/bin/python bench/scale.py                  # 30,000 tweets routed per configuration
    .venv/bin/python bench/scale.py --tweets 10000   # a quicker look

Runs in a fresh process against its own database (DATABASE_URL's server, database `seva_bench_scale`),
flushed and seeded each run, and its own Redis keys (a prefix of this run, removed at the end).
Printed, all measured in this run:
- the stream rules: how many, and their lengths, for the plan's 1,024 characters and for 512;
- the routing rate: tweets/s through the parser and the router alone (ingestion.parsing.parse_document,
  then ingestion.routing.RoutingConfig.route), on the same generated tweets, first with the seed's
  configuration, then with the 40 ministries added (goal: within 20 % of the seed's); the median of 5
  rounds, the configurations taking turns;
- the poll cycle under the app's search budget: recent search run minute by minute against an
  in-process fake X API (450 requests per 15 minutes, on a simulated clock) until every query has
  been polled, with the requests each window spent;
- the time to re-sync the stream rules after a change: the consumer's fingerprint query, then reading
  the terms and applying the rule difference against the fake X API, after one hashtag is added.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import bench_database_url  # noqa: E402 - after the path is set

MINISTRIES = 40
DEPARTMENTS_PER_MINISTRY = 25  # each with one unit: 2,000 departments and units below the 40 roots
ACCOUNTS = 3000
HASHTAGS = 3000


def generated_lines(count: int) -> list[bytes]:
    import orjson

    from devtools.tweet_generator import TweetGenerator

    return [orjson.dumps(page) for page in TweetGenerator(seed=42).pages(count)]


def scale_lines(count: int, handles: list[str], tags: list[str]) -> list[bytes]:
    """Tweets to the 40 ministries' accounts and hashtags: one of each kind in turn."""
    import orjson

    lines = []
    for n in range(count):
        tweet_id = str(1_700_000_000_000_000_000 + n)
        handle, tag = handles[n % len(handles)], tags[(n * 7) % len(tags)]
        text = f"@{handle} no water supply in our ward for 3 days #{tag}" if n % 2 else f"@{handle} please help"
        page = {
            "data": [{
                "id": tweet_id, "text": text, "author_id": "4000000001", "created_at": "2026-12-01T10:00:00.000Z",
                "conversation_id": tweet_id, "lang": "en", "edit_history_tweet_ids": [tweet_id],
            }],
            "includes": {"users": [{"id": "4000000001", "name": "A Citizen", "username": "a_citizen"}]},
        }  # fmt: skip
        lines.append(orjson.dumps(page))
    return lines


def routing_config():
    """The router's snapshot of the configuration, and the seconds reading it took."""
    from ingestion.routing import RoutingConfig

    started = time.perf_counter()
    config = RoutingConfig()
    return config, time.perf_counter() - started


def routing_config_reuse_seconds() -> float:
    """Seconds a batch spends when the configuration is unchanged: routing_config_current's
    fingerprint query (the second call; the first builds it)."""
    from ingestion.routing import routing_config_current

    routing_config_current()
    started = time.perf_counter()
    routing_config_current()
    return time.perf_counter() - started


def routing_pass(config, lines: list[bytes]) -> float:
    """Tweets/s: parse every line and route its tweets."""
    from ingestion.parsing import parse_document

    routed = 0
    started = time.perf_counter()
    for line in lines:
        for tweet in parse_document(line).tweets:
            config.route(tweet)
            routed += 1
    return routed / (time.perf_counter() - started)


def routing_rates(runs: dict[str, tuple[object, list[bytes]]], rounds: int = 5) -> dict[str, float]:
    """The median rate of each (configuration, tweets), measured in turn round after round, so the
    machine's drift (it is shared) falls on all of them alike."""
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (config, lines) in runs.items():
            rates[name].append(routing_pass(config, lines))
    return {name: statistics.median(values) for name, values in rates.items()}


def add_ministries() -> tuple[list[str], list[str]]:
    """40 ministries (roots), 25 departments and 25 units each, 3,000 accounts and 3,000 hashtags."""
    from departments.models import Department, Hashtag, OfficialAccount

    roots = Department.objects.bulk_create(
        Department(code=f"M{m:02d}", name_en=f"Ministry {m:02d}") for m in range(MINISTRIES)
    )
    departments = Department.objects.bulk_create(
        Department(code=f"M{m:02d}D{d:02d}", name_en=f"Ministry {m:02d} department {d:02d}", parent=root)
        for m, root in enumerate(roots)
        for d in range(DEPARTMENTS_PER_MINISTRY)
    )
    units = Department.objects.bulk_create(
        Department(code=f"{dept.code}U", name_en=f"{dept.name_en} circle", parent=dept, is_unit=True)
        for dept in departments
    )
    below = [*departments, *units]
    accounts = OfficialAccount.objects.bulk_create(
        OfficialAccount(handle=f"Min{n:04d}Seva_x", x_user_id=str(5_000_000_000 + n), department=below[n % len(below)])
        for n in range(ACCOUNTS)
    )
    hashtags = Hashtag.objects.bulk_create(
        Hashtag(tag=f"Ministry{n % MINISTRIES:02d}Grievance{n:04d}", department=below[(n * 3) % len(below)])
        for n in range(HASHTAGS)
    )
    return [a.handle for a in accounts], [h.tag for h in hashtags]


def stream_rules_figures(terms: list[str]) -> dict[int, tuple[int, int, int, int]]:
    """For each rule length: (rules, shortest, mean, longest)."""
    from django.test import override_settings

    from ingestion.doors.stream_rules import stream_rules_plan

    figures = {}
    for length in (1024, 512):
        with override_settings(X_STREAM_RULE_MAX_LENGTH=length):
            rules = stream_rules_plan(terms, existing=[])
        lengths = [len(rule) for rule in rules]
        figures[length] = (len(rules), min(lengths), round(statistics.mean(lengths)), max(lengths))
    return figures


def poll_cycle() -> tuple[int, int, int, list[int]]:
    """Recent search minute by minute until every query has been polled: (queries, minutes, requests
    a run, requests of each 15-minute window)."""
    from devtools.fake_x import FakeXApi
    from ingestion.doors.search import search_poll
    from ingestion.doors.x_queries import tracked_queries
    from ingestion.models import PollCursor
    from ingestion.x_client import XClient

    PollCursor.objects.all().delete()
    queries = tracked_queries()
    keys = {query.key for query in queries}
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    clock = [start.timestamp()]
    windows: dict[int, int] = {}
    with (
        FakeXApi(keepalive_interval=1.0, clock=lambda: clock[0]) as fake,
        XClient(base_url=fake.base_url, bearer_token="", timeout=5.0, account_tokens={}) as client,
    ):
        minute = 0
        while PollCursor.objects.filter(query_key__in=keys, polled_at__isnull=False).count() < len(queries):
            now = start + timedelta(minutes=minute)
            clock[0] = now.timestamp()
            summary = search_poll(client=client, queries=queries, now=now)
            windows[minute // 15] = windows.get(minute // 15, 0) + summary.requests
            minute += 1
            if minute > 24 * 60:
                raise RuntimeError("some query was never polled in a day")
    return len(queries), minute, summary.budget, [windows[w] for w in sorted(windows)]


def resync_time() -> dict:
    """Rules from nothing, then one hashtag added: the time the consumer takes to notice and re-sync."""
    from departments.models import Department, Hashtag
    from devtools.fake_x import FakeXApi
    from ingestion.doors.stream_rules import stream_rules_apply
    from ingestion.doors.x_queries import tracked_terms, tracked_terms_fingerprint
    from ingestion.x_client import XClient

    with (
        FakeXApi(keepalive_interval=1.0) as fake,
        XClient(base_url=fake.base_url, bearer_token="", timeout=30.0, account_tokens={}) as client,
    ):
        started = time.perf_counter()
        first = stream_rules_apply(client, tracked_terms())
        initial = time.perf_counter() - started
        fingerprint = tracked_terms_fingerprint()
        Hashtag.objects.create(tag="Ministry07NewGrievance", department=Department.objects.get(code="M07D03"))
        fingerprints = []
        for _ in range(20):
            started = time.perf_counter()
            changed = tracked_terms_fingerprint() != fingerprint
            fingerprints.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert changed
        sync = stream_rules_apply(client, tracked_terms())
        resync = time.perf_counter() - started
    return {
        "initial_seconds": initial,
        "initial_added": len(first.added),
        "fingerprint_ms": statistics.median(fingerprints) * 1000,
        "resync_seconds": resync,
        "added": len(sync.added),
        "deleted": len(sync.deleted),
        "unchanged": len(sync.unchanged),
    }


def run(tweets: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seva.settings.local")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # This run's own keys in Redis (search budget, resume tokens), removed at the end.
    prefix = f"bench-scale-{uuid.uuid4().hex}"
    settings.CACHES["default"]["KEY_PREFIX"] = prefix
    from departments.seed import seed_demo
    from ingestion.doors.x_queries import tracked_terms

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    seed_demo(password="bench-password-1")
    print("generating tweets ...", file=sys.stderr, flush=True)
    lines = generated_lines(tweets)

    seed_config, seed_load = routing_config()
    seed_terms = tracked_terms()
    handles, tags = add_ministries()
    terms = tracked_terms()
    scale_config, scale_load = routing_config()
    scale_reuse = routing_config_reuse_seconds()
    rates = routing_rates({
        "seed": (seed_config, lines),
        "scale": (scale_config, lines),
        "aimed": (scale_config, scale_lines(len(lines), handles, tags)),
    })  # fmt: skip
    seed_rate, scale_rate, aimed_rate = rates["seed"], rates["scale"], rates["aimed"]
    print(
        f"configuration: {MINISTRIES} ministries, {MINISTRIES * DEPARTMENTS_PER_MINISTRY * 2:,} departments and "
        f"units, {ACCOUNTS:,} accounts and {HASHTAGS:,} hashtags added to the seed ({len(seed_terms)} terms); "
        f"{len(terms):,} terms tracked"
    )
    for length, (count, shortest, mean, longest) in stream_rules_figures(terms).items():
        print(
            f"stream rules of at most {length:,} characters: {count} rules (plan: {settings.X_STREAM_MAX_RULES:,}), "
            f"lengths {shortest} to {longest}, mean {mean}"
        )
    print(
        f"routing, parser and router alone, {len(lines):,} generated tweets: seed {seed_rate:,.0f} tweets/s, "
        f"40 ministries {scale_rate:,.0f} tweets/s ({scale_rate / seed_rate:.0%} of the seed's; goal at least 80%); "
        f"tweets aimed at the ministries' accounts and hashtags {aimed_rate:,.0f} tweets/s"
    )
    print(
        f"reading the routing configuration: seed {seed_load * 1000:.1f} ms, "
        f"40 ministries {scale_load * 1000:.1f} ms; a batch finding it unchanged (its fingerprint): "
        f"{scale_reuse * 1000:.1f} ms"
    )
    print("polling recent search until every query has had its turn ...", file=sys.stderr, flush=True)
    queries, minutes, budget, windows = poll_cycle()
    print(
        f"recent search: {queries} queries of at most 512 characters; {budget} requests a run of "
        f"{settings.X_SEARCH_REQUESTS_PER_WINDOW} per 15 min: every query polled within {minutes} minutes "
        f"(requests per 15-minute window: {', '.join(map(str, windows))})"
    )
    resync = resync_time()
    print(
        f"stream rules from nothing: {resync['initial_added']} rules in {resync['initial_seconds']:.2f} s; "
        f"after one new hashtag: fingerprint query {resync['fingerprint_ms']:.1f} ms, re-sync "
        f"{resync['resync_seconds'] * 1000:.0f} ms ({resync['added']} rule added, {resync['deleted']} deleted, "
        f"{resync['unchanged']} unchanged); the consumer checks every {settings.X_STREAM_RULES_RECHECK_SECONDS:.0f} s"
    )
    import redis

    with redis.Redis.from_url(settings.REDIS_URL) as client:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tweets", type=int, default=30_000)
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.tweets)
        return
    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url("seva_bench_scale"),
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
    }
    subprocess.run([sys.executable, str(ROOT / "scripts" / "createdb.py")], env=env, check=True)
    subprocess.run([sys.executable, __file__, "--run", "--tweets", str(args.tweets)], env=env, check=True)


if __name__ == "__main__":
    main()
