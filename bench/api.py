"""Latency of the ticket list API over a million tickets.

    .venv/bin/python bench/api.py                       # 1,000,000 tickets, 500 requests per case
    .venv/bin/python bench/api.py --tickets 200000      # a quicker look

Runs in a fresh process against its own database (DATABASE_URL's server, database
`seva_bench_api`), filled with one INSERT ... SELECT FROM generate_series: tickets spread over the
seed departments and units, statuses and a year of creation times. Requests go through Django's
whole stack in process (URL routing, token authentication, the scoping function, filters, cursor
pagination, serialisation), not through a socket, so the figure is the application's own time.
Goal (issue 4): p99 under 50 ms for the first page filtered by department and status.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import bench_database_url  # noqa: E402 - after the path is set

_FILL_SQL = """
INSERT INTO tickets_ticket (
    number, department_id, unit_id, status, priority, citizen_x_user_id, citizen_handle,
    conversation_id, opening_tweet_id, subject, language, needs_manual_reply, created_at, tweeted_at,
    updated_at, first_response_due_at, resolution_due_at, escalation_level, resolution_note, rejection_reason,
    resolved_at
)
SELECT 'BENCH-' || g, (%(departments)s::bigint[])[1 + g %% %(routes)s], (%(units)s::bigint[])[1 + g %% %(routes)s],
       status, (ARRAY['p1', 'p2', 'p3', 'p3', 'p3', 'p4'])[1 + g %% 6], 3000000000 + g %% 500000,
       'citizen' || g %% 500000, g, g,
       (ARRAY['Broadband down since', 'No signal in', 'Speed post not delivered to', 'Spam calls from'])[1 + g %% 4]
           || ' ' || (ARRAY['Kochi', 'Pune', 'Delhi', 'Mumbai', 'Surat', 'Jaipur', 'Lucknow'])[1 + g %% 7],
       'en', false, created, created, created, created + interval '8 hours', created + interval '7 days',
       0, '', '', CASE WHEN status IN ('resolved', 'closed') THEN created + interval '2 days' END
  FROM generate_series(1, %(count)s) AS g,
       LATERAL (SELECT (ARRAY['new', 'assigned', 'in_progress', 'awaiting_citizen', 'resolved', 'closed', 'closed',
                               'closed', 'closed', 'rejected'])[1 + (g / 7) %% 10] AS status) AS s,
       LATERAL (SELECT now() - (g %% 525600) * interval '1 minute' AS created) AS c
"""

CASES = {
    "officer, department BSNL, status new": ("bsnl_officer", {"department": "BSNL", "status": "new"}),
    "officer, first page, no filter": ("bsnl_officer", {}),
    "auditor (all departments), status in_progress": ("auditor", {"status": "in_progress"}),
    "auditor, full-text q=Kochi": ("auditor", {"q": "Kochi"}),
}


def run_one(count: int, requests: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seva.settings.local")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from accounts.services import api_token_issue
    from departments.models import Department
    from departments.seed import seed_demo

    call_command("migrate", verbosity=0)
    seed_demo(password="bench-password-1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        existing = cursor.fetchone()[0]
    fill_seconds = 0.0
    if existing != count:
        routes = list(Department.objects.filter(is_unit=False, parent__isnull=False).values_list("id", flat=True))
        units = {d.parent_id: d.id for d in Department.objects.filter(is_unit=True)}
        departments = [d for d in routes for _ in range(2)]
        unit_ids = [units.get(d) if i % 2 else None for i, d in enumerate(departments)]
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE tickets_ticket CASCADE")
            cursor.execute(
                _FILL_SQL, {"departments": departments, "units": unit_ids, "routes": len(departments), "count": count}
            )
        fill_seconds = time.perf_counter() - started
        connection.connection.autocommit = True  # VACUUM cannot run in a transaction
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE tickets_ticket")

    results = {"tickets": count, "fill_seconds": round(fill_seconds, 1), "cases": {}}
    for name, (username, params) in CASES.items():
        _token, key = api_token_issue(user=User.objects.get(username=username), actor=None)
        client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_HOST="localhost")
        for _ in range(20):  # warm caches and connections
            client.get("/api/v1/tickets/", params)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get("/api/v1/tickets/", params)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:200]
        rows = len(response.json()["results"])
        timings.sort()
        results["cases"][name] = {
            "rows": rows,
            "median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_one(args.tickets, args.requests)))
        return
    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url("seva_bench_api"),
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
    }
    subprocess.run([sys.executable, str(ROOT / "scripts" / "createdb.py")], env=env, check=True)
    print(f"filling {args.tickets:,} tickets (skipped when the database already has them) ...", file=sys.stderr)
    out = subprocess.run(
        [sys.executable, __file__, "--run", "--tickets", str(args.tickets), "--requests", str(args.requests)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["fill_seconds"]:
        print(f"filled {result['tickets']:,} tickets in {result['fill_seconds']} s")
    print(f"{'case':<48} {'rows':>5} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8}")
    for name, case in result["cases"].items():
        print(f"{name:<48} {case['rows']:>5} {case['median_ms']:>10} {case['p95_ms']:>8} {case['p99_ms']:>8}")


if __name__ == "__main__":
    main()
