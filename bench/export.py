"""Time, rows per second and peak memory of a full-year export of the accountability report at
1,000,000 tickets, in each format, as the background export task builds it.

    .venv/bin/python bench/export.py                          # 1,000,000 tickets, every format
    .venv/bin/python bench/export.py --tickets 100000         # a quicker look
    .venv/bin/python bench/export.py --formats csv,xlsx       # some formats only
    .venv/bin/python bench/export.py --database seva_bench_x  # another database on DATABASE_URL's server
    BENCH_EXPORT_DATABASE=seva_bench_x .venv/bin/python bench/export.py

The tickets are bench/report_rows.py's (its generator, into this bench's own database,
`seva_bench_export` unless told): a year (2025) of tickets over the seed's departments and units
with every kind of hop (assignments, transfers, escalations, replies, ratings) and their business
times filled, built once and reused while its size matches. bench/pages.py's three months of
tickets would do for the count, but they have few hops and no business times (each export would
first fill some, and time that). The period is the whole of 2025.

Each format is built in a fresh child process by the export job's own code (export_request, then
export_build: the report's checks, report_file_write, the counting and hashing writer, the atomic
rename, the EXPORTED event), as a ministry admin, so what is measured is what a worker does. The
child's peak memory is its maximum resident set (getrusage ru_maxrss), and the resident set before
the build is given beside it (Django, the ORM and the report's summary are in both). PostgreSQL's own
memory is its server's, not counted. Same-run baseline: PostgreSQL's COPY of the same tickets to a
CSV file (every column of the ticket table), streamed by a child process of the same kind; each
format's time is also given as a ratio to it.

Goals (issue 10): CSV at least 50,000 rows per second; peak memory under 200 MB whatever the size.
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
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import bench_env, child_run, fill_state_matches, progress  # noqa: E402 - after the path is set

GOAL_CSV_ROWS_PER_SECOND = 50_000
GOAL_PEAK_MB = 200
FORMATS = ("csv", "xlsx", "pdf", "json")


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seva.settings.local")
    django.setup()


def _rss_mb() -> float:
    """This process's resident set now, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:  # noqa: PTH123 - a pseudo-file read once
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _period():
    import report_rows

    return report_rows.YEAR


def prepare(count: int) -> dict:
    """Migrate, seed and fill (bench/report_rows.py's generator) unless the database holds them."""
    _setup()
    import report_rows
    from django.core.management import call_command

    from departments.seed import seed_demo

    call_command("migrate", verbosity=0)
    seed_demo(password="bench-password-1")
    if fill_state_matches("bench_report_rows_state", count=count, version=report_rows.FILL_VERSION):
        progress(f"reusing the {count:,} tickets already built")
        return {"fill_seconds": 0.0}
    progress(f"building {count:,} tickets with bench/report_rows.py's generator ...")
    return {"fill_seconds": round(report_rows._fill(count), 1)}


def build_one(fmt: str, media: str) -> dict:
    """One export, as the task builds it, in this (fresh) process."""
    _setup()
    from django.conf import settings

    from accounts.models import User
    from tickets.exports import services
    from tickets.exports.files import export_path

    settings.MEDIA_ROOT = Path(media)
    # Built here, not by a worker: the request enqueues nothing.
    services.export_build_register(enqueue=lambda job_id: None)
    from tickets.exports.models import ExportJob

    start, end = _period()
    admin = User.objects.get(username="admin")
    ExportJob.objects.filter(requested_by=admin).delete()  # an earlier run's, if it was cut short
    before = _rss_mb()
    began = time.perf_counter()
    settings.SEVA_EXPORT_INLINE_MAX_ROWS = 0
    job = services.export_request(user=admin, department_code=None, start=start, end=end, fmt=fmt)
    asked = time.perf_counter()
    job = services.export_build(job_id=job.pk)
    built = time.perf_counter()
    result = {
        "state": job.state,
        "failure": str(job.failure_reason),
        "rows_counted": job.rows_total if job.state != "ready" else None,
        "ticket_rows": job.rows_done,
        "bytes": job.size_bytes,
        "request_seconds": round(asked - began, 2),
        "build_seconds": round(built - asked, 2),
        "rss_before_mb": round(before, 1),
        "peak_mb": round(_peak_mb(), 1),
    }
    if job.state == "ready":
        export_path(job.file_name).unlink()
    return result


def copy_baseline(path: str) -> dict:
    """PostgreSQL's COPY of the period's tickets (India's dates, as the report's) to a CSV file, streamed."""
    _setup()
    from django.db import connection

    start, end = _period()
    began = time.perf_counter()
    rows = 0
    with connection.cursor() as cursor, open(path, "wb") as out:  # noqa: PTH123
        copy_sql = (
            "COPY (SELECT * FROM tickets_ticket WHERE created_at >= %s::date::timestamp AT TIME ZONE 'Asia/Kolkata' "
            "AND created_at < (%s::date + 1)::timestamp AT TIME ZONE 'Asia/Kolkata' ORDER BY id) "
            "TO STDOUT WITH (FORMAT csv, HEADER)"
        )
        with cursor.cursor.copy(copy_sql, [start, end]) as copy:
            for block in copy:
                out.write(block)
                rows += bytes(block).count(b"\n")
    seconds = time.perf_counter() - began
    return {
        "seconds": round(seconds, 2),
        "ticket_rows": rows - 1,
        "bytes": Path(path).stat().st_size,
        "peak_mb": round(_peak_mb(), 1),
    }


def _child(args: list[str], env: dict, timeout: float) -> dict:
    try:
        return child_run(__file__, args, env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timed_out": timeout}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated, of csv, xlsx, pdf, json")
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_EXPORT_DATABASE", "seva_bench_export"),
        help="database name on DATABASE_URL's server (env BENCH_EXPORT_DATABASE)",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one format may take")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--build", help=argparse.SUPPRESS)
    parser.add_argument("--copy", help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare(args.tickets)))
        return
    if args.build:
        print(json.dumps(build_one(args.build, args.media)))
        return
    if args.copy:
        print(json.dumps(copy_baseline(args.copy)))
        return

    formats = [fmt for fmt in args.formats.split(",") if fmt]
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown formats: {', '.join(sorted(unknown))}")
    env = bench_env(args.database)
    shape = _child(["--prepare", "--tickets", str(args.tickets)], env, timeout=None)
    built = f"built in {shape['fill_seconds']} s" if shape["fill_seconds"] else "reused"
    print(f"database {args.database}: {args.tickets:,} tickets ({built}); period: the whole of 2025")
    print(
        f"goals: CSV at least {GOAL_CSV_ROWS_PER_SECOND:,} rows/s; "
        f"peak memory under {GOAL_PEAK_MB} MB (building process)\n"
    )

    with tempfile.TemporaryDirectory(prefix="seva-bench-export-") as media:
        progress("baseline: COPY of the tickets to CSV ...")
        baseline = _child(["--copy", str(Path(media) / "copy.csv")], env, timeout=args.timeout)
        results = {}
        for fmt in formats:
            progress(f"{fmt} ...")
            results[fmt] = _child(["--build", fmt, "--media", media], env, timeout=args.timeout)

    copy_rate = baseline["ticket_rows"] / baseline["seconds"] if baseline["seconds"] else 0
    header = f"{'case':<28} {'rows':>10} {'MB':>9} {'seconds':>8} {'rows/s':>9} {'x COPY':>7} {'peak MB':>8}"
    print(header)
    print(
        f"{'COPY tickets to CSV (base)':<28} {baseline['ticket_rows']:>10,} {baseline['bytes'] / 2**20:>9.1f} "
        f"{baseline['seconds']:>8} {copy_rate:>9,.0f} {1.0:>7.1f} {baseline['peak_mb']:>8}"
    )
    verdicts = []
    for fmt, r in results.items():
        if "timed_out" in r:
            print(f"{fmt + ' export':<28} did not finish within {r['timed_out']:.0f} s")
            verdicts.append(f"{fmt}: did not finish")
            continue
        if r["state"] != "ready":
            print(f"{fmt + ' export':<28} {r['state']}: {r['failure']}")
            verdicts.append(f"{fmt}: {r['state']}")
            continue
        seconds = r["request_seconds"] + r["build_seconds"]
        rate = r["ticket_rows"] / seconds if seconds and r["ticket_rows"] else None
        ratio = seconds / baseline["seconds"] if baseline["seconds"] else 0
        print(
            f"{fmt + ' export':<28} {r['ticket_rows']:>10,} {r['bytes'] / 2**20:>9.1f} {seconds:>8.1f} "
            f"{(f'{rate:,.0f}' if rate else 'n/a'):>9} {ratio:>7.1f} {r['peak_mb']:>8}"
        )
        print(
            f"{'':<28} (asking, with the count: {r['request_seconds']} s; building: {r['build_seconds']} s; "
            f"resident before the build: {r['rss_before_mb']} MB)"
        )
        if not r["ticket_rows"]:
            verdicts.append(f"{fmt}: the file holds no ticket rows (the report writer writes none yet)")
        if r["peak_mb"] >= GOAL_PEAK_MB:
            verdicts.append(f"{fmt}: peak memory {r['peak_mb']} MB, goal under {GOAL_PEAK_MB}")
        if fmt == "csv" and rate is not None and rate < GOAL_CSV_ROWS_PER_SECOND:
            verdicts.append(f"csv: {rate:,.0f} rows/s, goal at least {GOAL_CSV_ROWS_PER_SECOND:,}")
    print("\ngoals: " + ("hold" if not verdicts else "missed or not measurable:\n  " + "\n  ".join(verdicts)))


if __name__ == "__main__":
    main()
