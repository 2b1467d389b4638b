"""The timed sweeps: SLA escalation every minute, and resolved tickets closing themselves.

Both are set-based SQL: a fixed number of statements whatever the number of tickets, each
reading only the rows that are due through a partial index (see Ticket.Meta.indexes). The
indexes leave escalation_level out so that raising it can be a HOT update; the sweep filters on
it row by row, which costs a little for each overdue ticket already escalated.
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.utils import timezone

from departments.models import SUPERVISING_ROLES
from tickets.audit import EventDraft, audit_events_append
from tickets.lifecycle import CLOCK_RUNNING_STATUSES, Status
from tickets.models import Escalation, EventKind
from tickets.services.intake import REOPEN_WINDOW

logger = logging.getLogger(__name__)

# Closing at the end of the reopen window: from then on a citizen's tweet opens a new ticket anyway.
AUTO_CLOSE_AFTER = REOPEN_WINDOW
# Serialises sweeps (beat, a manual `sweep_sla`, a redelivered task): the second one waits, then
# finds nothing new. The unique (ticket, level, reason) is the guarantee; this avoids the
# deadlocks two overlapping ON CONFLICT inserts can cause.
_SWEEP_LOCK = 73_010_001  # any key no other lock in the project uses

# Literal, not a parameter, so the planner can match the partial indexes' predicates.
_CLOCK_RUNNING = "t.status IN ({}) AND t.sla_paused_at IS NULL".format(
    ", ".join(f"'{status}'" for status in sorted(CLOCK_RUNNING_STATUSES))
)

# L1: the first-response target passed (the unit's supervisors, else the department's).
# L2: the resolution target passed (the department's). L3: twice the resolution target passed
# (the ministry, the root of the tree). Twice the target is measured in wall time from the stored
# due time, created + 2 x (due - created): about twice the business time, with nothing new stored.
_SWEEP_SQL = f"""
WITH RECURSIVE root_of(id, root_id) AS (
    SELECT id, id FROM departments_department WHERE parent_id IS NULL
  UNION ALL
    SELECT d.id, r.root_id FROM departments_department d JOIN root_of r ON d.parent_id = r.id
),
due(ticket_id, number, level, notify_department_id, target_due_at) AS (
    SELECT t.id, t.number, 1, COALESCE(t.unit_id, t.department_id), t.first_response_due_at
      FROM tickets_ticket t
     WHERE t.first_response_due_at < %(now)s AND t.first_responded_at IS NULL AND t.escalation_level < 1
       AND {_CLOCK_RUNNING}
  UNION ALL
    SELECT t.id, t.number, 2, t.department_id, t.resolution_due_at
      FROM tickets_ticket t
     WHERE t.resolution_due_at < %(now)s AND t.resolved_at IS NULL AND t.escalation_level < 2
       AND {_CLOCK_RUNNING}
  UNION ALL
    SELECT t.id, t.number, 3, r.root_id, t.resolution_due_at + (t.resolution_due_at - t.created_at)
      FROM tickets_ticket t JOIN root_of r ON r.id = t.department_id
     WHERE t.resolution_due_at < %(now)s AND t.resolved_at IS NULL AND t.escalation_level < 3
       AND {_CLOCK_RUNNING}
       AND t.resolution_due_at + (t.resolution_due_at - t.created_at) < %(now)s
),
raised AS (
    INSERT INTO tickets_escalation (ticket_id, level, reason, notify_department_id, raised_at, target_due_at)
    SELECT ticket_id, level, %(reason)s, notify_department_id, %(now)s, target_due_at
      FROM due ORDER BY ticket_id, level
        ON CONFLICT (ticket_id, level, reason, notify_department_id) DO NOTHING
    RETURNING id, ticket_id, level, notify_department_id, target_due_at
),
bumped AS (
    UPDATE tickets_ticket t SET escalation_level = GREATEST(t.escalation_level, b.level)
      FROM (SELECT ticket_id, max(level) AS level FROM raised GROUP BY ticket_id) b
     WHERE t.id = b.ticket_id
)
SELECT r.id, r.ticket_id, due.number, r.level, r.notify_department_id, d.code, r.target_due_at
  FROM raised r
  JOIN due ON due.ticket_id = r.ticket_id AND due.level = r.level
  JOIN departments_department d ON d.id = r.notify_department_id
 ORDER BY r.ticket_id, r.level
"""  # noqa: S608 - constant text; values are parameters  # nosec B608

# The supervisors of each department: a supervising membership on it or on any ancestor.
_SUPERVISORS_SQL = """
WITH RECURSIVE up(origin, id) AS (
    SELECT d.id, d.id FROM departments_department d WHERE d.id = ANY(%(ids)s)
  UNION
    SELECT up.origin, d.parent_id FROM up JOIN departments_department d ON d.id = up.id
     WHERE d.parent_id IS NOT NULL
)
SELECT DISTINCT up.origin, u.email
  FROM up
  JOIN departments_department d ON d.id = up.id AND d.is_active
  JOIN departments_membership m ON m.department_id = up.id AND m.role = ANY(%(roles)s)
  JOIN accounts_user u ON u.id = m.user_id AND u.is_active AND u.email <> ''
 ORDER BY up.origin, u.email
"""


@dataclass(frozen=True, slots=True)
class RaisedEscalation:
    id: int
    ticket_id: int
    number: str
    level: int
    notify_department_id: int
    notify_department_code: str
    target_due_at: datetime


@dataclass(frozen=True, slots=True)
class SweepSummary:
    now: datetime
    # level -> escalations raised by this sweep
    raised: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def sla_sweep(*, now: datetime | None = None) -> SweepSummary:
    """Raise every escalation that is due at `now` (default: the present), each exactly once.

    One transaction: the escalations, the tickets' levels and the ESCALATED audit events; the
    supervisors are e-mailed after it commits, one message per department.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SWEEP_LOCK])
        cursor.execute(_SWEEP_SQL, {"now": now, "reason": Escalation.Reason.SLA})
        raised = [RaisedEscalation(*row) for row in cursor.fetchall()]
        audit_events_append([
            EventDraft(EventKind.ESCALATED, escalation.ticket_id, data={
                "escalation_id": escalation.id,
                "level": escalation.level,
                "reason": Escalation.Reason.SLA.value,
                "notify_department": escalation.notify_department_code,
                "target_due_at": escalation.target_due_at.isoformat(),
            })
            for escalation in raised
        ])  # fmt: skip
        if raised:
            # A mail server that fails must not undo escalations already committed: robust.
            transaction.on_commit(partial(escalations_notify, escalations=raised), robust=True)
    return SweepSummary(now=now, raised=Counter(escalation.level for escalation in raised))


def escalations_notify(*, escalations: Sequence[RaisedEscalation]) -> int:
    """E-mail the supervisors of each notified department one message listing its new escalations.
    One query for every recipient; returns the number of messages sent."""
    by_department: dict[int, list[RaisedEscalation]] = defaultdict(list)
    for escalation in escalations:
        by_department[escalation.notify_department_id].append(escalation)
    recipients: dict[int, list[str]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(_SUPERVISORS_SQL, {"ids": list(by_department), "roles": list(SUPERVISING_ROLES)})
        for department_id, email in cursor.fetchall():
            recipients[department_id].append(email)
    messages = [
        (*_escalation_mail(raised), settings.DEFAULT_FROM_EMAIL, recipients[department_id])
        for department_id, raised in by_department.items()
        if recipients[department_id]
    ]
    missing = [raised[0].notify_department_code for d, raised in by_department.items() if not recipients[d]]
    if missing:
        logger.warning("escalations for %s have no supervisor with an e-mail address", ", ".join(missing))
    return send_mass_mail(messages) if messages else 0


# How many tickets one mail lists; the queue in the app holds them all.
_MAIL_LIST_LIMIT = 100


def _escalation_mail(raised: Sequence[RaisedEscalation]) -> tuple[str, str]:
    code = raised[0].notify_department_code
    subject = f"[Seva Desk] {len(raised)} ticket(s) escalated to {code}"
    lines = [
        f"{e.number}  {Escalation.Level(e.level).label}  (target was "
        f"{timezone.localtime(e.target_due_at):%d %b %Y %H:%M %Z})"
        for e in raised[:_MAIL_LIST_LIMIT]
    ]
    if len(raised) > _MAIL_LIST_LIMIT:
        lines.append(f"... and {len(raised) - _MAIL_LIST_LIMIT} more.")
    body = (
        f"These tickets passed an SLA target and wait in {code}'s escalation queue until a supervisor "
        "acknowledges them:\n\n" + "\n".join(lines) + "\n"
    )
    return subject, body


@transaction.atomic(durable=True)
def tickets_close_resolved(*, now: datetime | None = None) -> int:
    """Close the tickets resolved at least 7 days before `now`; returns how many closed.

    One UPDATE: a ticket reopened meanwhile no longer matches when its row lock is granted, so a
    second run at once closes nothing twice.
    """
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE tickets_ticket SET status = %(closed)s, closed_at = %(now)s, updated_at = %(now)s
             WHERE status = %(resolved)s AND resolved_at <= %(cutoff)s
            RETURNING id
            """,
            {"closed": Status.CLOSED, "resolved": Status.RESOLVED, "now": now, "cutoff": now - AUTO_CLOSE_AFTER},
        )
        closed = [ticket_id for (ticket_id,) in cursor.fetchall()]
    audit_events_append([
        EventDraft(EventKind.STATUS_CHANGED, ticket_id, data={
            "from": Status.RESOLVED.value, "to": Status.CLOSED.value, "reason": "auto-close 7 days after resolution",
        })
        for ticket_id in closed
    ])  # fmt: skip
    return len(closed)
