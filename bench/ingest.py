"""Ingestion throughput: realistic tweets through the same batch pipeline as `ingest_file`.

    .venv/bin/python bench/ingest.py                 # 100,000 and 400,000 tweets
    .venv/bin/python bench/ingest.py --sizes 20000   # a quick look

Each size runs in a fresh process against a fresh benchmark database (DATABASE_URL's server,
database `seva_bench`), so peak memory (max RSS) is that run's alone. Generating the JSON Lines
file is not timed; reading, parsing, storing in the inbox, routing, threading and writing tickets,
messages, events and acknowledgements is.
Goal (issue 3): 5,000 tweets/s end to end, 400,000 tweets under 80 s, peak memory under 300 MB.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import bench_database_url  # noqa: E402 - after the path is set


def generate(path: Path, count: int) -> None:
    from devtools.tweet_generator import TweetGenerator

    with path.open("w") as handle:
        for page in TweetGenerator(seed=42).pages(count):
            handle.write(json.dumps(page, ensure_ascii=False))
            handle.write("\n")


def run_one(path: Path) -> dict:
    """In a fresh process: reset the database, seed it, ingest the file, report."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seva.settings.local")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from departments.seed import seed_demo
    from ingestion.files import ingest_path

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tickets_auditevent, tickets_ticketmessage, tickets_ticket, tickets_ticketsequence, "
            "tickets_auditchainhead, ingestion_inboxtweet, ingestion_deadletter CASCADE"
        )
    seed_demo(password="bench-password-1")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    summary = ingest_path(path)
    elapsed = time.perf_counter() - started
    return {
        "tweets": summary.received,
        "seconds": round(elapsed, 2),
        "tweets_per_second": round(summary.received / elapsed),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_before_mb": round(rss_before / 1024),
        "created": summary.tickets_created,
        "threaded": summary.threaded,
        "duplicates": summary.duplicates,
        "ignored": summary.ignored,
        "official_replies": summary.official_replies,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 400_000])
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_one(args.run)))
        return

    # DEBUG off: Django's debug cursor would format and keep every statement of the run.
    env = {**os.environ, "DATABASE_URL": bench_database_url("seva_bench"), "LOG_LEVEL": "WARNING", "DEBUG": "false"}
    subprocess.run([sys.executable, str(ROOT / "scripts" / "createdb.py")], env=env, check=True)
    print(f"{'tweets':>8} {'seconds':>8} {'tweets/s':>9} {'peak MB':>8}  outcome")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "tweets.jsonl"
            print(f"generating {size:,} tweets ...", file=sys.stderr, flush=True)
            generate(path, size)
            print(f"ingesting {size:,} tweets ...", file=sys.stderr, flush=True)
            out = subprocess.run(
                [sys.executable, __file__, "--run", str(path)], env=env, check=True, capture_output=True, text=True
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{r['tweets']:>8,} {r['seconds']:>8} {r['tweets_per_second']:>9,} {r['peak_rss_mb']:>8}  "
                f"created {r['created']:,}, threaded {r['threaded']:,}, duplicates {r['duplicates']:,}, "
                f"ignored {r['ignored']:,}, department replies {r['official_replies']:,}",
                flush=True,
            )


if __name__ == "__main__":
    main()
