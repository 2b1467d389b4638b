"""What the daily digest costs per recipient over many tickets: its figures (a fixed handful of
aggregate queries), and the whole mail with the day's report as PDF.

    .venv/bin/python bench/digest.py                          # 1,000,000 tickets
    .venv/bin/python bench/digest.py --tickets 200000         # a quicker look
    .venv/bin/python bench/digest.py --database seva_bench_x  # another database on DATABASE_URL's server

Runs in a fresh process against its own database (`seva_bench_digest` unless told), filled as
bench/pages.py fills its own (three months of tickets over the seed departments and units, due times
by priority, some breached, incidents) and reused while its size matches. The recipients are the
seed's: BSNL's supervisor (BSNL and its three circles), the ministry's auditor and the ministry admin
(every department). The same-run baselines: a `SELECT 1` round trip and a count of every ticket (one
sequential scan, what a figure that reads every row costs at the least); each figure is also given as
a ratio to the count. Nothing is sent: the mail is built, not handed to a backend.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import bench_env, child_run, fill_state_matches, progress  # noqa: E402 - after the path is set

RECIPIENTS = ("bsnl_supervisor", "auditor", "admin")


def _timed(fn, runs: int) -> dict:
    fn()  # warm caches and connections
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(timings), 1), "max_ms": round(max(timings), 1)}


def run_one(count: int, runs: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seva.settings.local")
    django.setup()
    import pages
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from departments.seed import seed_demo
    from tickets.digest.selectors import daily_digest, digest_yesterday
    from tickets.digest.services import daily_digest_message

    progress("migrating and seeding ...")
    call_command("migrate", verbosity=0)
    seed_demo(password="bench-password-1")
    fill_seconds = 0.0
    if fill_state_matches("bench_pages_state", count=count, version=pages.FILL_VERSION):
        progress(f"reusing the {count:,} tickets already built")
    else:
        progress(f"building {count:,} tickets ...")
        fill_seconds = pages._fill(count)

    now = timezone.now()
    day = digest_yesterday(now=now)

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def count_all():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tickets_ticket")

    baselines = {"SELECT 1": _timed(select_one, runs), "count(*) of every ticket": _timed(count_all, runs)}
    cases = {}
    for username in RECIPIENTS:
        user = User.objects.get(username=username)
        with CaptureQueriesContext(connection) as queries:
            digest = daily_digest(user=user, day=day, now=now)
        figures = _timed(lambda user=user: daily_digest(user=user, day=day, now=now), runs)
        mail = _timed(lambda user=user: daily_digest_message(user=user, day=day, now=now), max(1, runs // 5))
        cases[username] = {
            "figures": figures,
            "figures_queries": len(queries),
            "mail_with_pdf": mail,
            "received": digest.received,
            "targets_due": digest.targets_due,
            "open_now": digest.open_now,
        }
    return {
        "tickets": count,
        "fill_seconds": round(fill_seconds, 1),
        "day": day.isoformat(),
        "baselines": baselines,
        "cases": cases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", default=os.environ.get("BENCH_DIGEST_DATABASE", "seva_bench_digest"))
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_one(args.tickets, args.runs)))
        return
    env = bench_env(args.database)
    r = child_run(__file__, ["--run", "--tickets", str(args.tickets), "--runs", str(args.runs)], env)
    built = f"built in {r['fill_seconds']} s" if r["fill_seconds"] else "reused"
    print(
        f"database {args.database}: {r['tickets']:,} tickets ({built}); the digest of {r['day']}; {args.runs} runs\n"
    )
    print(f"{'baseline':<40} {'median ms':>10} {'max ms':>8}")
    for name, b in r["baselines"].items():
        print(f"{name:<40} {b['median_ms']:>10} {b['max_ms']:>8}")
    scan = r["baselines"]["count(*) of every ticket"]["median_ms"]
    print(
        f"\n{'recipient':<18} {'figures ms':>10} {'x scan':>7} {'queries':>7} {'mail+PDF ms':>12}"
        f" {'received':>9} {'due':>7} {'open':>8}"
    )
    for name, c in r["cases"].items():
        print(
            f"{name:<18} {c['figures']['median_ms']:>10} {c['figures']['median_ms'] / scan:>7.1f} "
            f"{c['figures_queries']:>7} {c['mail_with_pdf']['median_ms']:>12} {c['received']:>9,} "
            f"{c['targets_due']:>7,} {c['open_now']:>8,}"
        )


if __name__ == "__main__":
    main()
