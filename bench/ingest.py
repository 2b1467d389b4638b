"""Ingestion throughput: realistic tweets through the same batch pipeline as `ingest_file`, against
a per-tweet writer measured in the same run.

    .venv/bin/python bench/ingest.py                 # 100,000 and 400,000 tweets
    .venv/bin/python bench/ingest.py --sizes 20000   # a quick look
    .venv/bin/python bench/ingest.py --sizes 20000 --profile   # and where the time went

Each size runs in a fresh process against a fresh benchmark database (DATABASE_URL's server,
database `seva_bench` unless --database says otherwise), so peak memory (max RSS) is that run's
alone. Generating the JSON Lines file is not timed; reading, parsing, storing in the inbox,
routing, threading and writing tickets, messages, events and acknowledgements is.

The per-tweet writer is the path we are held against: for each of the file's first tweets, one
transaction with one INSERT each of a ticket, its message and its audit event (minimal realistic
rows, on the same tables, triggers and indexes), through psycopg, committed to disk. Our rate is
printed as a multiple of its rate; so is the same writer's on three narrow tables of its own (a
primary key and one unique index each, no triggers), as the machine's reference figures measure it.
This machine is shared: the processes' CPU time is printed beside the wall-clock rate (the
processing and the parsing process it forks, which parses and stores each batch ahead). Peak
memory is each process's own.

Goal (issue 11): at least 10 times the per-tweet writer, 400,000 tweets (a month of the seed) under
60 s, peak memory under 300 MB.
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import bench_database_url  # noqa: E402 - after the path is set

# The generator's clock advances about 1 s a tweet (50 ms to 2 s) and stops at now(). Started an
# hour back, as it is by default, every tweet past the 3,600th would be dated "now": hundreds of
# thousands of tweets within an hour, one endless surge that no month of traffic looks like (and
# that surge detection would rightly read as one). Started far enough back, the tweets keep their
# own times: 400,000 over about five days, several times the seed's daily rate.
SECONDS_PER_TWEET = 1.1


def generate(path: Path, count: int) -> None:
    from datetime import UTC, datetime, timedelta

    from devtools.tweet_generator import TweetGenerator

    start = datetime.now(tz=UTC) - timedelta(seconds=SECONDS_PER_TWEET * count)
    with path.open("w") as handle:
        for page in TweetGenerator(seed=42, start=start).pages(count):
            handle.write(json.dumps(page, ensure_ascii=False))
            handle.write("\n")


PER_TWEET_COUNT = 4000
TICKET_TABLES = (
    "tickets_auditevent, tickets_ticketmessage, tickets_ticket, tickets_ticketsequence, "
    "tickets_auditchainhead, tickets_incident, tickets_incidentbaseline, ingestion_inboxtweet, ingestion_deadletter"
)
PER_TWEET_TICKET = """
INSERT INTO tickets_ticket (number, department_id, status, priority, citizen_x_user_id, citizen_handle,
    conversation_id, opening_tweet_id, subject, language, needs_manual_reply, created_at, tweeted_at, updated_at,
    first_response_due_at, resolution_due_at, escalation_level, triage_reason, resolution_note, rejection_reason)
VALUES (%s, %s, 'new', 'p3', %s, %s, %s, %s, %s, %s, true, now(), %s, now(),
        now() + interval '4 hours', now() + interval '3 days', 0, '', '', '')
RETURNING id
"""
PER_TWEET_MESSAGE = """
INSERT INTO tickets_ticketmessage (ticket_id, direction, kind, tweet_id, previous_tweet_ids, author_x_user_id,
    author_handle, text, language, media, created_at, delivery, attempts, last_error, thread_part, thread_parts)
VALUES (%s, 'in', 'tweet', %s, '{}', %s, %s, %s, %s, '[]', %s, '', 0, '', 1, 1)
"""
PER_TWEET_EVENT = """
INSERT INTO tickets_auditevent (kind, ticket_id, created_at, data, prev_hash, hash)
VALUES ('ticket_created', %s, now(), %s, %s, %s)
"""


# The same writer on narrow tables of its own (BENCHMARKS.md's baseline): what the per-tweet path
# costs without our schema's indexes and triggers, printed beside it.
NARROW_TABLES = """
DROP TABLE IF EXISTS bench_narrow_event, bench_narrow_message, bench_narrow_ticket;
CREATE TABLE bench_narrow_ticket (id bigserial PRIMARY KEY, opening_tweet_id bigint UNIQUE NOT NULL,
    department_id bigint NOT NULL, status text NOT NULL, subject text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE bench_narrow_message (id bigserial PRIMARY KEY, ticket_id bigint NOT NULL REFERENCES bench_narrow_ticket,
    tweet_id bigint UNIQUE, text text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE bench_narrow_event (id bigserial PRIMARY KEY, ticket_id bigint REFERENCES bench_narrow_ticket,
    kind text NOT NULL, data jsonb NOT NULL, created_at timestamptz NOT NULL);
"""
NARROW_DROP = "DROP TABLE bench_narrow_event, bench_narrow_message, bench_narrow_ticket"


def per_tweet_writer_narrow(database_url: str, tweets: list, department_id: int) -> float:
    import orjson
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(NARROW_TABLES)
        conn.autocommit = False
        started = time.perf_counter()
        for t in tweets:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO bench_narrow_ticket (opening_tweet_id, department_id, status, subject, created_at) "
                    "VALUES (%s, %s, 'new', %s, now()) RETURNING id",
                    [t.id, department_id, t.text[:280]],
                )
                (ticket_id,) = cursor.fetchone()
                cursor.execute(
                    "INSERT INTO bench_narrow_message (ticket_id, tweet_id, text, created_at) "
                    "VALUES (%s, %s, %s, now())",
                    [ticket_id, t.id, t.text],
                )
                cursor.execute(
                    "INSERT INTO bench_narrow_event (ticket_id, kind, data, created_at) "
                    "VALUES (%s, 'ticket_created', %s, now())",
                    [ticket_id, orjson.dumps({"tweet_id": str(t.id)}).decode()],
                )
        elapsed = time.perf_counter() - started
        conn.autocommit = True
        conn.execute(NARROW_DROP)
    return len(tweets) / elapsed


def _first_tweets(path: Path, count: int) -> list:
    from ingestion.parsing import parse_document

    tweets = {}
    with path.open("rb") as stream:
        for line in stream:
            for tweet in parse_document(line).tweets:
                if not tweet.is_retweet:
                    tweets.setdefault(tweet.id, tweet)
            if len(tweets) >= count:
                break
    return list(tweets.values())[:count]


def per_tweet_writer(database_url: str, tweets: list, department_id: int) -> float:
    """Tweets per second of the path we are held against (see the module's docstring)."""
    import hashlib

    import orjson
    import psycopg

    prev_hash = "0" * 64
    with psycopg.connect(database_url) as conn:
        started = time.perf_counter()
        for index, t in enumerate(tweets):
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(
                    PER_TWEET_TICKET,
                    [f"BENCH-{index}", department_id, t.author_id, t.author_handle,
                     t.conversation_id or t.id, t.id, t.text[:280], t.lang, t.created_at],
                )  # fmt: skip
                (ticket_id,) = cursor.fetchone()
                cursor.execute(
                    PER_TWEET_MESSAGE,
                    [ticket_id, t.id, t.author_id, t.author_handle, t.text, t.lang, t.created_at],
                )
                data = orjson.dumps({"tweet_id": str(t.id)}).decode()
                digest = hashlib.sha256(f"{prev_hash}|{ticket_id}|{data}".encode()).hexdigest()
                cursor.execute(PER_TWEET_EVENT, [ticket_id, data, prev_hash, digest])
                prev_hash = digest
        elapsed = time.perf_counter() - started
    return len(tweets) / elapsed


class _Timings:
    """Where the time went, by statement (Django's execute wrapper, psycopg's COPY) and commit."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds
        self.calls[name] += 1

    @staticmethod
    def name_of(sql: str) -> str:
        words = " ".join(str(sql).split())
        target = re.search(r"\b(?:INSERT INTO|UPDATE)\s+(\w+)", words)
        return f"{words.split(' ')[0]} .. {target.group(1)}" if target else words[:70]

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.add(self.name_of(sql), time.perf_counter() - started)


@contextmanager
def _profiled(timings: _Timings):
    """Time every statement, COPY and commit of the run (Django's connection)."""
    import psycopg
    from django.db import connection

    original_copy, original_commit = psycopg.Cursor.copy, psycopg.Connection.commit

    @contextmanager
    def timed_copy(self, statement, *args, **kwargs):
        started = time.perf_counter()
        with original_copy(self, statement, *args, **kwargs) as copy:
            yield copy
        timings.add(f"COPY {str(statement).split()[1]}", time.perf_counter() - started)

    def timed_commit(self):
        started = time.perf_counter()
        try:
            return original_commit(self)
        finally:
            timings.add("COMMIT", time.perf_counter() - started)

    psycopg.Cursor.copy, psycopg.Connection.commit = timed_copy, timed_commit
    try:
        with connection.execute_wrapper(timings):
            yield
    finally:
        psycopg.Cursor.copy, psycopg.Connection.commit = original_copy, original_commit


def _trigger_seconds(cursor) -> dict[str, float]:
    """PL/pgSQL functions' own time (track_functions), the triggers' cost inside the statements."""
    cursor.execute("SELECT pg_stat_force_next_flush()")
    cursor.execute("SELECT funcname, self_time / 1000.0 FROM pg_stat_user_functions WHERE self_time > 0")
    return dict(cursor.fetchall())


def run_one(path: Path, *, profile: bool = False, triggers: bool = True) -> dict:
    """In a fresh process: reset the database, seed it, time the per-tweet writer, ingest the file, report."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seva.settings.local")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from departments.models import Department
    from departments.seed import seed_demo
    from ingestion.files import ingest_path

    call_command("migrate", verbosity=0)
    database = connection.ops.quote_name(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TICKET_TABLES} CASCADE")
    seed_demo(password="bench-password-1")
    connection.close()  # seeding's connection goes; the writer below and the ingestion start alike
    department = Department.objects.filter(parent=None).order_by("id").first()
    first_tweets = _first_tweets(path, PER_TWEET_COUNT)
    per_tweet = per_tweet_writer(os.environ["DATABASE_URL"], first_tweets, department.id)
    per_tweet_narrow = per_tweet_writer_narrow(os.environ["DATABASE_URL"], first_tweets, department.id)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TICKET_TABLES} CASCADE")
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        if not triggers:
            # The A/B of the dashboard's rollup triggers: the same run without them.
            cursor.execute("ALTER TABLE tickets_ticket DISABLE TRIGGER tickets_dashboard_rollup_insert")
            cursor.execute("ALTER TABLE tickets_ticket DISABLE TRIGGER tickets_dashboard_rollup_update")
        if profile:
            # For every connection of the run: the ingestion reconnects (it forks its parsing process).
            cursor.execute(f"ALTER DATABASE {database} SET track_functions = 'pl'")
            cursor.execute("SELECT pg_stat_reset()")
    connection.close()
    timings = _Timings()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    children_cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    machine_before = _machine_busy_seconds()
    started = time.perf_counter()
    with _profiled(timings) if profile else _nothing():
        summary = ingest_path(path)
    elapsed = time.perf_counter() - started
    machine_after = _machine_busy_seconds()
    result = {
        "tweets": summary.received,
        "seconds": round(elapsed, 2),
        "tweets_per_second": round(summary.received / elapsed),
        "per_tweet_per_second": round(per_tweet),
        "multiple": round(summary.received / elapsed / per_tweet, 2),
        "per_tweet_narrow_per_second": round(per_tweet_narrow),
        "multiple_of_narrow": round(summary.received / elapsed / per_tweet_narrow, 2),
        "cpu_seconds": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu_before, 1),
        # The parsing process ingest_stream forks (ingestion.files): its CPU time and peak memory.
        "parser_cpu_seconds": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - children_cpu_before, 1),
        "parser_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        # Every process's CPU during the run (the server's backends too: the rest is mostly theirs),
        # and the cores: on this machine no arrangement of the work takes less than their quotient.
        "machine_cpu_seconds": round(machine_after - machine_before, 1) if machine_before is not None else None,
        "cores": os.cpu_count(),
        "rss_before_mb": round(rss_before / 1024),
        "created": summary.tickets_created,
        "threaded": summary.threaded,
        "duplicates": summary.duplicates,
        "ignored": summary.ignored,
        "official_replies": summary.official_replies,
    }
    if profile:
        with connection.cursor() as cursor:
            triggers_seconds = _trigger_seconds(cursor)
            cursor.execute(f"ALTER DATABASE {database} RESET track_functions")
        result["statements"] = sorted(
            ((name, round(seconds, 2), timings.calls[name]) for name, seconds in timings.seconds.items()),
            key=lambda item: -item[1],
        )
        result["trigger_functions"] = sorted(
            ((n, round(s, 2)) for n, s in triggers_seconds.items()), key=lambda i: -i[1]
        )
    if not triggers:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE tickets_ticket ENABLE TRIGGER tickets_dashboard_rollup_insert")
            cursor.execute("ALTER TABLE tickets_ticket ENABLE TRIGGER tickets_dashboard_rollup_update")
    return result


def _machine_busy_seconds() -> float | None:
    """CPU seconds every core of this machine has spent busy (Linux's /proc/stat), whoever spent them."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _nothing():
    yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 400_000])
    parser.add_argument("--database", default="seva_bench", help="the benchmark database's name")
    parser.add_argument("--profile", action="store_true", help="time each statement, COPY, commit and trigger")
    parser.add_argument(
        "--without-rollup-triggers", action="store_true", help="the A/B: the dashboard's rollup triggers disabled"
    )
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_one(args.run, profile=args.profile, triggers=not args.without_rollup_triggers)))
        return

    # DEBUG off: Django's debug cursor would format and keep every statement of the run.
    env = {**os.environ, "DATABASE_URL": bench_database_url(args.database), "LOG_LEVEL": "WARNING", "DEBUG": "false"}
    subprocess.run([sys.executable, str(ROOT / "scripts" / "createdb.py")], env=env, check=True)
    flags = [
        *(["--profile"] if args.profile else []),
        *(["--without-rollup-triggers"] if args.without_rollup_triggers else []),
    ]
    print(f"{'tweets':>8} {'seconds':>8} {'tweets/s':>9} {'per-tweet/s':>11} {'multiple':>8} {'peak MB':>8}  outcome")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "tweets.jsonl"
            print(f"generating {size:,} tweets ...", file=sys.stderr, flush=True)
            generate(path, size)
            print(f"ingesting {size:,} tweets ...", file=sys.stderr, flush=True)
            out = subprocess.run(
                [sys.executable, __file__, "--run", str(path), *flags],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{r['tweets']:>8,} {r['seconds']:>8} {r['tweets_per_second']:>9,} {r['per_tweet_per_second']:>11,} "
                f"{r['multiple']:>7}x {r['peak_rss_mb']:>8}  "
                f"created {r['created']:,}, threaded {r['threaded']:,}, duplicates {r['duplicates']:,}, "
                f"ignored {r['ignored']:,}, department replies {r['official_replies']:,}",
                flush=True,
            )
            print(
                f"{'':>8} the per-tweet writer on narrow tables: {r['per_tweet_narrow_per_second']:,}/s, "
                f"we do {r['multiple_of_narrow']}x that; CPU time (user): {r['cpu_seconds']} s processing, "
                f"{r['parser_cpu_seconds']} s in the parsing process (peak {r['parser_peak_rss_mb']} MB)",
                flush=True,
            )
            if r["machine_cpu_seconds"] is not None:
                busy, cores = r["machine_cpu_seconds"], r["cores"]
                print(
                    f"{'':>8} the machine's CPU (user and system, every process, PostgreSQL's included): "
                    f"{busy} s on {cores} cores, so at least {busy / cores:.1f} s however the work overlapped",
                    flush=True,
                )
            if args.profile:
                for name, seconds, calls in r["statements"]:
                    print(f"    {seconds:>8.2f} s {calls:>6} x  {name}")
                print(f"    {r['seconds'] - sum(s for _, s, _ in r['statements']):>8.2f} s  the rest (Python)")
                for name, seconds in r["trigger_functions"]:
                    print(f"    {seconds:>8.2f} s  within: trigger {name}")


if __name__ == "__main__":
    main()
