"""The SLA sweep over a million open tickets, 10,000 of them due.

    .venv/bin/python bench/sla.py                      # 1,000,000 open tickets, 10,000 due
    .venv/bin/python bench/sla.py --tickets 200000     # a quicker look (1% due)

Runs in a fresh process against its own database (DATABASE_URL's server, database
`seva_bench_sla`), filled with one INSERT ... SELECT FROM generate_series. The due tickets are
scattered (every 100th row), the harder case for the UPDATE. Among those not due: tickets
waiting on the citizen (clock paused), tickets already at L2 waiting for L3, and tickets whose
first response was given. The first sweep raises 7,000 L1, 2,000 L2 and 1,000 L3 escalations
(with their audit events and the supervisors' mails); the second finds nothing new.
Goal (SLA issue): one sweep under 1 second.

The schema gives the tickets table `fillfactor = 90` (migration 0006), leaving room on each page
for the sweep's UPDATE to be a HOT update (no new entry in each of the table's indexes);
`--fillfactor N` overrides it on the benchmark database, to compare.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import bench_database_url  # noqa: E402 - after the path is set

# What each generated ticket is, by its number g (per 1,000,000: 7,000 L1, 2,000 L2, 1,000 L3 due;
# 5,000 at L2 waiting for L3; 50,000 paused; the rest opened in the last 7 hours, half answered).
_FILL_SQL = """
INSERT INTO tickets_ticket (
    number, department_id, unit_id, status, priority, citizen_x_user_id, citizen_handle,
    conversation_id, opening_tweet_id, subject, language, needs_manual_reply, created_at, tweeted_at,
    updated_at, first_response_due_at, resolution_due_at, first_responded_at, escalation_level,
    sla_paused_at, resolution_note, rejection_reason
)
SELECT 'BENCH-' || g, (%(departments)s::bigint[])[1 + g %% %(routes)s], (%(units)s::bigint[])[1 + g %% %(routes)s],
       CASE WHEN kind = 'paused' THEN 'awaiting_citizen'
            ELSE (ARRAY['new', 'assigned', 'in_progress', 'reopened'])[1 + g %% 4] END,
       'p3', 3000000000 + g, 'citizen' || g, g, g, 'Broadband down since morning ' || g %% 997, 'en', false,
       created, created, created,
       created + interval '8 hours', created + interval '7 days',
       CASE WHEN kind IN ('l1', 'open') THEN NULL ELSE created + interval '1 hour' END,
       CASE WHEN kind IN ('l3', 'waiting_l3') THEN 2 ELSE 0 END,
       CASE WHEN kind = 'paused' THEN now() - interval '1 hour' END,
       '', ''
  FROM generate_series(1, %(count)s) AS g,
       LATERAL (SELECT CASE
           WHEN g %% 100 = 0 AND g %% 1000 < 700 THEN 'l1'
           WHEN g %% 100 = 0 AND g %% 1000 < 900 THEN 'l2'
           WHEN g %% 100 = 0 THEN 'l3'
           WHEN g %% 200 = 1 THEN 'waiting_l3'
           WHEN g %% 20 = 3 THEN 'paused'
           WHEN g %% 2 = 0 THEN 'responded'
           ELSE 'open' END AS kind) AS k,
       LATERAL (SELECT CASE kind
           WHEN 'l1' THEN now() - interval '9 hours'          -- first response due an hour ago
           WHEN 'l2' THEN now() - interval '8 days'           -- resolution due a day ago
           WHEN 'l3' THEN now() - interval '15 days'          -- twice the target passed a day ago
           WHEN 'waiting_l3' THEN now() - interval '8 days'   -- at L2, L3 six days away
           WHEN 'paused' THEN now() - interval '30 days'      -- long overdue, but its clock is stopped
           ELSE now() - (g %% 420) * interval '1 minute' END AS created) AS c
"""


def run_one(count: int, fillfactor: int | None) -> dict:
    """In a fresh process: reset the database, seed it, fill it, sweep twice, report."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seva.settings.local")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection

    from departments.models import Department
    from departments.seed import seed_demo
    from tickets.services.sla_sweep import _DUE_SQL, sla_sweep

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tickets_escalation, tickets_auditevent, tickets_ticketmessage, tickets_ticket, "
            "tickets_auditchainhead CASCADE"
        )
    seed_demo(password="bench-password-1")
    # Supervisors with addresses, so the sweep's mails are really built and sent (to memory).
    get_user_model().objects.filter(username__in=["bsnl_supervisor", "admin"]).update(email="sup@bench.test")
    routes = list(Department.objects.filter(is_active=True).values_list("parent_id", "id", "is_unit").order_by("code"))
    departments = [parent if is_unit else own for parent, own, is_unit in routes]
    units = [own if is_unit else None for _, own, is_unit in routes]

    with connection.cursor() as cursor:
        if fillfactor is not None:
            cursor.execute(f"ALTER TABLE tickets_ticket SET (fillfactor = {int(fillfactor)})")
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'tickets_ticket'")
        options = dict(option.split("=") for option in cursor.fetchone()[0] or [])
        fillfactor = int(options.get("fillfactor", 100))
        started = time.perf_counter()
        cursor.execute(_FILL_SQL, {"count": count, "departments": departments, "units": units, "routes": len(routes)})
        fill_seconds = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        vacuum_seconds = time.perf_counter() - started
        # Steady state, not the moment after a bulk load: the sweep should not be the one to write
        # out the pages VACUUM dirtied.
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        open_tickets = cursor.fetchone()[0]
        cursor.execute("EXPLAIN " + _DUE_SQL, {"now": "now", "reason": "sla"})
        plan = "\n".join(row[0] for row in cursor.fetchall())

    started = time.perf_counter()
    first = sla_sweep()
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = sla_sweep()
    second_seconds = time.perf_counter() - started
    return {
        "tickets": open_tickets,
        "fillfactor": fillfactor,
        "fill_seconds": round(fill_seconds, 2),
        "tickets_per_second": round(count / fill_seconds),
        "vacuum_seconds": round(vacuum_seconds, 2),
        "first_seconds": round(first_seconds, 3),
        "first_raised": {f"L{level}": n for level, n in sorted(first.raised.items())},
        "second_seconds": round(second_seconds, 3),
        "second_raised": second.total,
        "mails": len(getattr(mail, "outbox", [])),
        "indexes": sorted(
            {name for name in ("ticket_sla_first_response_due", "ticket_sla_resolution_due") if name in plan}
        ),
        "seq_scan_on_tickets": "Seq Scan on tickets_ticket" in plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument(
        "--fillfactor",
        type=int,
        default=None,
        choices=range(10, 101),
        metavar="10-100",
        help="override the schema's setting (a migration sets 90)",
    )
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_one(args.tickets, args.fillfactor)))
        return

    # DEBUG off: Django's debug cursor would keep every statement; mails go to memory, not stdout.
    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url("seva_bench_sla"),
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    subprocess.run([sys.executable, str(ROOT / "scripts" / "createdb.py")], env=env, check=True)
    print(f"filling {args.tickets:,} open tickets ...", file=sys.stderr, flush=True)
    out = subprocess.run(
        [sys.executable, __file__, "--run", "--tickets", str(args.tickets)]
        + (["--fillfactor", str(args.fillfactor)] if args.fillfactor else []),
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"setup:  {r['tickets']:,} open tickets in {r['fill_seconds']} s ({r['tickets_per_second']:,} tickets/s), "
        f"VACUUM ANALYZE {r['vacuum_seconds']} s; fillfactor {r['fillfactor']}"
    )
    print(
        f"sweep:  {r['first_seconds'] * 1000:.0f} ms, raised {r['first_raised']} "
        f"({sum(r['first_raised'].values()):,} escalations, audit events; {r['mails']} mails)"
    )
    print(f"again:  {r['second_seconds'] * 1000:.0f} ms, raised {r['second_raised']}")
    indexes = ", ".join(r["indexes"]) or "none"
    print(f"plan:   partial indexes {indexes}; seq scan on tickets: {r['seq_scan_on_tickets']}")


if __name__ == "__main__":
    main()
