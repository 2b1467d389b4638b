"""Escalations: raised (for an SLA target passed or a citizen's appeal), mailed to the notified
department's supervisors, and acknowledged by one of them, which takes it off their queue."""

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import SUPERVISING_ROLES
from departments.selectors import user_has_role
from departments.tree import ancestors_cte
from tickets.audit import audit_event_append, audit_events_append
from tickets.events.ticket import escalation_acknowledged_event, ticket_escalated_event
from tickets.models import Escalation
from tickets.services.errors import ActionConflict, ActionForbidden
from tickets.services.locks import escalation_lock

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EscalationDraft:
    """An escalation to raise: a ticket, why, and whose supervisors must act."""

    ticket_id: int
    reason: str  # Escalation.Reason
    notify_department_id: int
    # None: one level above the ticket's present one, at most L3 (an appeal goes a level up).
    level: int | None = None
    # The SLA target that passed; None for an appeal.
    target_due_at: datetime | None = None


# Drafts as rows: the ticket is read for its number and, for a draft without a level, its level.
# DISTINCT: the same escalation drafted twice in a batch is one row (and one event).
_DRAFTS_SQL = """
SELECT DISTINCT v.ticket_id, t.number, COALESCE(v.level, LEAST(t.escalation_level + 1, 3)), v.reason,
       v.notify_department_id, v.target_due_at
  FROM unnest(%(tickets)s::bigint[], %(levels)s::int[], %(reasons)s::text[], %(departments)s::bigint[],
              %(targets)s::timestamptz[]) AS v(ticket_id, level, reason, notify_department_id, target_due_at)
  JOIN tickets_ticket t ON t.id = v.ticket_id
"""


@dataclass(frozen=True, slots=True)
class DueEscalations:
    """The escalations to raise, as a query: a SELECT of (ticket id, ticket number, level, reason,
    notify department id, target due at) rows, each at most once, with its named parameters.

    `of(drafts)` for rows computed in Python (an appeal); a set-based caller (the SLA sweep) gives
    its own query, so finding what is due and raising it stay one statement. The query may use
    `%(now)s`, the moment escalations_raise is given.
    """

    sql: str
    params: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def of(cls, drafts: Sequence[EscalationDraft]) -> "DueEscalations":
        return cls(
            sql=_DRAFTS_SQL,
            params={
                "tickets": [d.ticket_id for d in drafts],
                "levels": [d.level for d in drafts],
                "reasons": [str(d.reason) for d in drafts],
                "departments": [d.notify_department_id for d in drafts],
                "targets": [d.target_due_at for d in drafts],
            },
        )


@dataclass(frozen=True, slots=True)
class RaisedEscalation:
    id: int
    ticket_id: int
    number: str
    level: int
    reason: str
    notify_department_id: int
    notify_department_code: str
    target_due_at: datetime | None


# One statement for the escalations and the tickets' levels, whatever their number. Each (ticket,
# level, reason, department) is raised once, whoever raises it and however often (the unique
# constraint); a ticket's level only rises. Inserted in (ticket, level) order, so two transactions
# raising the same escalations take their locks in the same order.
_RAISE_SQL = """
WITH due(ticket_id, number, level, reason, notify_department_id, target_due_at) AS (
{due}
),
raised AS (
    INSERT INTO tickets_escalation (ticket_id, level, reason, notify_department_id, raised_at, target_due_at)
    SELECT ticket_id, level, reason, notify_department_id, %(now)s, target_due_at
      FROM due ORDER BY ticket_id, level
        ON CONFLICT (ticket_id, level, reason, notify_department_id) DO NOTHING
    RETURNING id, ticket_id, level, reason, notify_department_id, target_due_at
),
bumped AS (
    UPDATE tickets_ticket t SET escalation_level = GREATEST(t.escalation_level, b.level)
      FROM (SELECT ticket_id, max(level) AS level FROM raised GROUP BY ticket_id) b
     WHERE t.id = b.ticket_id
)
SELECT r.id, r.ticket_id, due.number, r.level, r.reason, r.notify_department_id, d.code, r.target_due_at
  FROM raised r
  JOIN due ON (due.ticket_id, due.level, due.reason, due.notify_department_id)
            = (r.ticket_id, r.level, r.reason, r.notify_department_id)
  JOIN departments_department d ON d.id = r.notify_department_id
 ORDER BY r.ticket_id, r.level
"""


def escalations_raise(*, due: DueEscalations, now: datetime) -> list[RaisedEscalation]:
    """Raise the due escalations not raised before, at `now`, in the caller's transaction: the
    escalations, the tickets' levels and one ESCALATED audit event each.

    Returns those raised now (one raised before is skipped), for the caller to mail with
    escalations_notify once its transaction commits.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("escalations must be raised in the transaction of the change that raises them")
    with connection.cursor() as cursor:
        cursor.execute(_RAISE_SQL.format(due=due.sql), {**due.params, "now": now})
        raised = [RaisedEscalation(*row) for row in cursor.fetchall()]
    audit_events_append(
        [
            ticket_escalated_event(
                ticket_id=escalation.ticket_id,
                escalation_id=escalation.id,
                level=escalation.level,
                reason=escalation.reason,
                notify_department_code=escalation.notify_department_code,
                target_due_at=escalation.target_due_at,
            )
            for escalation in raised
        ]
    )
    return raised


# The supervisors of each department: a supervising membership on it or on any ancestor.
_SUPERVISORS_SQL = f"""
WITH RECURSIVE {ancestors_cte("up", ids="%(ids)s")}
SELECT DISTINCT up.origin, u.email
  FROM up
  JOIN departments_department d ON d.id = up.id AND d.is_active
  JOIN departments_membership m ON m.department_id = up.id AND m.role = ANY(%(roles)s)
  JOIN accounts_user u ON u.id = m.user_id AND u.is_active AND u.email <> ''
 ORDER BY up.origin, u.email
"""  # noqa: S608 - constant text; values are parameters  # nosec B608


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


@transaction.atomic
def escalation_acknowledge(*, actor: User, escalation_id: int) -> Escalation:
    """A supervisor (or department admin) of the escalation's notify department takes it off the queue."""
    escalation = escalation_lock(actor=actor, escalation_id=escalation_id)
    if not user_has_role(user=actor, department_id=escalation.notify_department_id, roles=SUPERVISING_ROLES):
        raise ActionForbidden(_("Only a supervisor of the escalated department may acknowledge it."))
    if escalation.acknowledged_at is not None:
        raise ActionConflict("already_acknowledged", _("This escalation was already acknowledged."))
    escalation.acknowledged_by, escalation.acknowledged_at = actor, timezone.now()
    escalation.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit_event_append(
        escalation_acknowledged_event(
            ticket_id=escalation.ticket_id,
            actor_id=actor.pk,
            escalation_id=escalation.pk,
            level=escalation.level,
            reason=escalation.reason,
        )
    )
    return escalation
