"""Speed and memory of the accountability report's writer (tickets.reports.writer) over a year of
tickets with every kind of hop: rows per second and peak memory per format.

    .venv/bin/python bench/report_rows.py                        # 1,000,000 tickets, CSV
    .venv/bin/python bench/report_rows.py --tickets 100000 --formats csv,xlsx,json,pdf
    .venv/bin/python bench/report_rows.py --explain              # also the rows statement's plan

Runs against its own database (DATABASE_URL's server, `seva_bench_report_rows` unless told), built
once with INSERT ... SELECT FROM generate_series in chunks and reused while its size matches: a year
of tickets over the seed's departments and units (ids in time order), every one assigned (a tenth
reassigned), one in twenty transferred in from another department, one in ten escalated (L1, half
of those L2 too, some acknowledged), an acknowledgement and a reply each (one reply in thirty
failed), one in three rated, business times filled. Each format is written by a fresh process (so
its peak memory is its own) as the ministry admin, for the whole year, to a file on disk; the
figure is that process's peak RSS, with its RSS before the export as the same-run baseline.
Goals (issue 10): CSV at least 50,000 rows/s; peak memory under 200 MB whatever the size.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import bench_env, child_run, fill_state_matches, progress  # noqa: E402 - after the path is set

GOAL_CSV_ROWS_PER_SECOND = 50_000
GOAL_PEAK_MB = 200
FILL_VERSION = 1
CHUNK = 100_000
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
CODES = ["BSNL", "BSNL_KL", "BSNL_MH", "BSNL_UP", "MTNL", "MTNL_DL", "MTNL_MB", "POSTS", "DOT"]

# Everything about ticket g derives from g, so a chunk can be rebuilt alone.
_TICKETS_SQL = """
INSERT INTO tickets_ticket (
    id, number, department_id, unit_id, status, priority, category_id, triage_reason, assigned_to_id,
    citizen_x_user_id, citizen_handle, conversation_id, opening_tweet_id, subject, language, reply_account_id,
    needs_manual_reply, created_at, tweeted_at, updated_at, first_response_due_at, resolution_due_at,
    first_responded_at, resolved_at, closed_at, escalation_level, sla_paused_at, resolution_note, rejection_reason,
    first_response_business_seconds, resolution_business_seconds
)
SELECT g, r.code || '-' || to_char(c.created AT TIME ZONE 'Asia/Kolkata', 'YYMM') || '-' || lpad(g::text, 7, '0'),
       r.department_id, r.unit_id, s.status, 'p3', NULL, '', (%(officers)s::bigint[])[1 + g %% %(officer_count)s],
       3000000000 + g %% 400000, 'citizen' || g %% 400000, 10000000000 + g, 10000000000 + g,
       'Broadband down since morning', 'en', NULL, true,
       c.created, c.created, c.created, c.created + interval '8 hours', c.created + interval '7 days',
       c.created + (10 + g %% 600) * interval '1 minute',
       CASE WHEN s.status IN ('resolved', 'closed') THEN c.created + (1 + g %% 9) * interval '1 day' END,
       CASE WHEN s.status = 'closed' THEN c.created + (8 + g %% 9) * interval '1 day' END,
       0, NULL, CASE WHEN s.status IN ('resolved', 'closed') THEN 'Restored.' ELSE '' END,
       CASE WHEN s.status = 'rejected' THEN 'Not a grievance' ELSE '' END,
       (10 + g %% 600) * 60 / 3, CASE WHEN s.status IN ('resolved', 'closed') THEN (1 + g %% 9) * 27000 END
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g,
       LATERAL (SELECT %(start)s::timestamptz + (g - 1) * (interval '365 days' / %(count)s) AS created) AS c,
       LATERAL (SELECT (%(codes)s::text[])[1 + g %% 9] AS code,
                       (%(departments)s::bigint[])[1 + g %% 9] AS department_id,
                       (%(units)s::bigint[])[1 + g %% 9] AS unit_id) AS r,
       LATERAL (SELECT CASE WHEN g %% 50 = 0 THEN 'rejected' WHEN g %% 25 = 1 THEN 'in_progress'
                            WHEN g %% 10 = 2 THEN 'resolved' ELSE 'closed' END AS status) AS s
"""

_EVENTS_SQL = """
INSERT INTO tickets_auditevent (kind, ticket_id, actor_id, created_at, data, prev_hash, hash)
SELECT e.kind, t.id, e.actor, e.at, e.data, md5(t.id::text), md5(t.id::text || e.kind)
  FROM tickets_ticket t
  CROSS JOIN LATERAL (VALUES
      ('created', NULL::bigint, t.created_at, jsonb_build_object('number', t.number), true),
      ('transferred', t.assigned_to_id, t.created_at + interval '5 minutes',
       jsonb_build_object('from', 'MOC', 'from_unit', NULL, 'to', 'BSNL', 'reason', 'Telecom, not triage'),
       t.id %% 20 = 3),
      ('assigned', NULL, t.created_at + interval '10 minutes',
       jsonb_build_object('how', 'auto', 'assignee_id', t.assigned_to_id, 'previous_assignee_id', NULL), true),
      ('assigned', t.assigned_to_id, t.created_at + interval '1 day',
       jsonb_build_object('how', 'assign', 'assignee_id', t.assigned_to_id, 'previous_assignee_id',
                          t.assigned_to_id), t.id %% 10 = 4)
  ) AS e(kind, actor, at, data, keep)
 WHERE t.id BETWEEN %(lo)s AND %(hi)s AND e.keep
"""

_ESCALATIONS_SQL = """
INSERT INTO tickets_escalation (ticket_id, level, reason, notify_department_id, raised_at, target_due_at,
                                acknowledged_by_id, acknowledged_at)
SELECT t.id, l.level, 'sla', t.department_id, t.created_at + l.level * interval '8 hours', NULL,
       CASE WHEN t.id %% 3 = 0 THEN t.assigned_to_id END,
       CASE WHEN t.id %% 3 = 0 THEN t.created_at + l.level * interval '9 hours' END
  FROM tickets_ticket t CROSS JOIN LATERAL (VALUES (1), (2)) AS l(level)
 WHERE t.id BETWEEN %(lo)s AND %(hi)s AND t.id %% 10 = 5 AND (l.level = 1 OR t.id %% 20 = 5)
"""

_MESSAGES_SQL = """
INSERT INTO tickets_ticketmessage (
    ticket_id, direction, kind, tweet_id, previous_tweet_ids, in_reply_to_tweet_id, author_x_user_id, author_handle,
    text, language, media, created_at, delivery, idempotency_key, attempts, last_error, sent_at, thread_part,
    thread_parts, from_account_id, sent_by_id
)
SELECT t.id, m.direction, m.kind, m.tweet_id, '{}', NULL, NULL, '', m.text, 'en', '[]', m.at, m.delivery, NULL, 1,
       m.error, m.sent_at, 1, 1, NULL, m.sent_by
  FROM tickets_ticket t
  CROSS JOIN LATERAL (VALUES
      ('in', 'tweet', t.opening_tweet_id, t.subject, t.created_at, '', '', NULL::timestamptz, NULL::bigint),
      ('out', 'ack', 20000000000 + t.id, 'Registered ' || t.number, t.created_at + interval '2 minutes', 'sent', '',
       t.created_at + interval '2 minutes', NULL),
      ('out', 'reply', CASE WHEN t.id %% 30 <> 7 THEN 30000000000 + t.id END, 'We are on it.', t.first_responded_at,
       CASE WHEN t.id %% 30 = 7 THEN 'failed' ELSE 'sent' END,
       CASE WHEN t.id %% 30 = 7 THEN '403 You are not allowed to reply' ELSE '' END,
       CASE WHEN t.id %% 30 <> 7 THEN t.first_responded_at END, t.assigned_to_id)
  ) AS m(direction, kind, tweet_id, text, at, delivery, error, sent_at, sent_by)
 WHERE t.id BETWEEN %(lo)s AND %(hi)s
"""

_FEEDBACK_SQL = """
INSERT INTO tickets_feedback (ticket_id, rating, comment, tweet_id, created_at)
SELECT t.id, 1 + t.id %% 5, '', 50000000000 + t.id, t.resolved_at + interval '1 hour'
  FROM tickets_ticket t
 WHERE t.id BETWEEN %(lo)s AND %(hi)s AND t.resolved_at IS NOT NULL AND t.id %% 3 = 0
"""


def _fill(count: int) -> float:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from departments.models import Department

    by_code = {d.code: d for d in Department.objects.filter(code__in=CODES)}
    officers = [get_user_model().objects.get_or_create(username=f"bench_officer_{k}")[0].id for k in range(40)]
    params = {
        "count": count,
        "start": f"{YEAR[0].isoformat()}T00:00:00+05:30",
        "codes": CODES,
        "departments": [by_code[c].parent_id if by_code[c].is_unit else by_code[c].id for c in CODES],
        "units": [by_code[c].id if by_code[c].is_unit else None for c in CODES],
        "officers": officers,
        "officer_count": len(officers),
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tickets_incident, tickets_escalation, tickets_auditevent, tickets_ticketmessage, "
            "tickets_feedback, tickets_ticket, tickets_auditchainhead CASCADE"
        )
    for lo in range(1, count + 1, CHUNK):
        hi = min(lo + CHUNK - 1, count)
        with transaction.atomic(), connection.cursor() as cursor:
            # No triggers (the queue's search words, the business times' reset): what they keep is not
            # what this bench reads, and they would make the fill many times slower.
            cursor.execute("SET LOCAL session_replication_role = replica")
            for sql in (_TICKETS_SQL, _EVENTS_SQL, _ESCALATIONS_SQL, _MESSAGES_SQL, _FEEDBACK_SQL):
                cursor.execute(sql, {**params, "lo": lo, "hi": hi})
        progress(f"  tickets {hi:>9,} / {count:,}  ({time.perf_counter() - started:.0f} s)")
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_ticketmessage", "tickets_auditevent", "tickets_escalation"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"  # nosec B608 - our own table names
            )
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_report_rows_state (tickets bigint, version int)")
        cursor.execute("DELETE FROM bench_report_rows_state")
        cursor.execute("INSERT INTO bench_report_rows_state VALUES (%s, %s)", [count, FILL_VERSION])
    connection.connection.autocommit = True  # VACUUM cannot run in a transaction
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_ticketmessage", "tickets_auditevent", "tickets_escalation"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started


def _setup():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seva.settings.local")
    django.setup()


def prepare(count: int) -> dict:
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from departments.seed import seed_demo

    call_command("migrate", verbosity=0)
    seed_demo(password="bench-password-1")
    fill_seconds = 0.0
    if fill_state_matches("bench_report_rows_state", count=count, version=FILL_VERSION):
        progress(f"reusing the {count:,} tickets already built")
    else:
        progress(f"building {count:,} tickets in chunks of {CHUNK:,} ...")
        fill_seconds = _fill(count)
    sizes = {}
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_auditevent", "tickets_escalation", "tickets_ticketmessage"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # nosec B608 - our own table names
            sizes[table.removeprefix("tickets_")] = cursor.fetchone()[0]
    return {"fill_seconds": round(fill_seconds, 1), "sizes": sizes}


def export_one(fmt: str) -> dict:
    """One format, in this (fresh) process: time, rows, bytes, peak RSS."""
    _setup()
    from accounts.models import User
    from tickets.reports.writer import report_file_write

    admin = User.objects.get(username="admin")
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seen = []
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        written = report_file_write(
            user=admin,
            department_code=None,
            start=YEAR[0],
            end=YEAR[1],
            fmt=fmt,
            out=out,
            on_progress=lambda done, total: seen.append(done),
            language="en",
        )
        seconds = time.perf_counter() - started
    return {
        "format": fmt,
        "seconds": round(seconds, 2),
        "received": written.report.total.received,
        "ticket_rows": written.ticket_rows,
        "bytes": written.size_bytes,
        "progress_calls": len(seen),
        "baseline_mb": round(baseline_kb / 1024, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def explain() -> list[str]:
    _setup()
    from django.db import connection

    from accounts.models import User
    from tickets.reports.scope import report_scope
    from tickets.reports.ticket_rows import ticket_rows_sql

    scope = report_scope(user=User.objects.get(username="admin"), department_code=None, start=YEAR[0], end=YEAR[1])
    sql, params = ticket_rows_sql(scope, for_csv=True)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv", help="comma-separated: csv, xlsx, json, pdf")
    parser.add_argument("--database", default=os.environ.get("BENCH_REPORT_DATABASE", "seva_bench_report_rows"))
    parser.add_argument("--explain", action="store_true", help="print the rows statement's EXPLAIN ANALYZE")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        kind, _, value = args.step.partition(":")
        result = {"prepare": lambda: prepare(int(value)), "export": lambda: export_one(value), "explain": explain}
        print(json.dumps(result[kind]()))
        return

    env = bench_env(args.database)

    def step(value: str) -> dict | list:
        return child_run(__file__, ["--step", value], env)

    shape = step(f"prepare:{args.tickets}")
    built = f"built in {shape['fill_seconds']} s" if shape["fill_seconds"] else "reused"
    print(f"database {args.database} ({built}): " + ", ".join(f"{n:,} {t}" for t, n in shape["sizes"].items()))
    print(
        f"report: the whole ministry, {YEAR[0]} to {YEAR[1]}, as admin; goals: CSV >= "
        f"{GOAL_CSV_ROWS_PER_SECOND:,} rows/s, peak memory < {GOAL_PEAK_MB} MB\n"
    )
    columns = ("rows", 10), ("seconds", 8), ("rows/s", 9), ("MB out", 8), ("baseline MB", 11), ("peak MB", 8)
    print(f"{'format':<6} " + " ".join(f"{name:>{width}}" for name, width in columns) + "  goal")
    for fmt in args.formats.split(","):
        r = step(f"export:{fmt}")
        rate = r["ticket_rows"] / r["seconds"] if r["seconds"] else 0
        holds = r["peak_mb"] < GOAL_PEAK_MB and (fmt != "csv" or rate >= GOAL_CSV_ROWS_PER_SECOND)
        print(
            f"{fmt:<6} {r['ticket_rows']:>10,} {r['seconds']:>8} {rate:>9,.0f} {r['bytes'] / 1e6:>8.1f} "
            f"{r['baseline_mb']:>11} {r['peak_mb']:>8}  {'holds' if holds else 'MISSED'}"
        )
    if args.explain:
        print("\nthe rows statement (CSV), EXPLAIN ANALYZE:")
        for line in step("explain"):
            print(f"    {line}")


if __name__ == "__main__":
    main()
