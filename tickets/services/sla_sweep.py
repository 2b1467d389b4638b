"""The SLA sweep, every minute: raise each escalation whose target passed, exactly once.

Set-based: one statement finds what is due, reading only the rows that are due through a partial
index (see Ticket.Meta.indexes), and writes it (escalations_raise), plus the audit events'; the
same whatever the number of tickets. The indexes leave escalation_level out so that raising it can be a HOT
update; the sweep filters on it row by row, which costs a little for each overdue ticket already
escalated.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from departments.tree import subtree_cte
from seva.locks import AdvisoryLock, advisory_xact_lock
from tickets.lifecycle import CLOCK_RUNNING_STATUSES
from tickets.models import Escalation, scope_department_sql
from tickets.services.escalations import DueEscalations, escalations_notify, escalations_raise

# Literal, not a parameter, so the planner can match the partial indexes' predicates.
_CLOCK_RUNNING = "t.status IN ({}) AND t.sla_paused_at IS NULL".format(
    ", ".join(f"'{status}'" for status in sorted(CLOCK_RUNNING_STATUSES))
)
# Each department with the root of its tree (the ministry).
_ROOT_OF_CTE = subtree_cte(
    "root_of", seed="SELECT id, id FROM departments_department WHERE parent_id IS NULL", carry=["root_id"]
)

# L1: the first-response target passed (the unit's supervisors, else the department's).
# L2: the resolution target passed (the department's). L3: twice the resolution target passed
# (the ministry, the root of the tree). Twice the target is measured in wall time from the stored
# due time, created + 2 x (due - created): about twice the business time, with nothing new stored.
_DUE_SQL = f"""
WITH RECURSIVE {_ROOT_OF_CTE}
SELECT t.id, t.number, 1, %(reason)s, {scope_department_sql("t")}, t.first_response_due_at
  FROM tickets_ticket t
 WHERE t.first_response_due_at < %(now)s AND t.first_responded_at IS NULL AND t.escalation_level < 1
   AND {_CLOCK_RUNNING}
UNION ALL
SELECT t.id, t.number, 2, %(reason)s, t.department_id, t.resolution_due_at
  FROM tickets_ticket t
 WHERE t.resolution_due_at < %(now)s AND t.resolved_at IS NULL AND t.escalation_level < 2
   AND {_CLOCK_RUNNING}
UNION ALL
SELECT t.id, t.number, 3, %(reason)s, r.root_id, t.resolution_due_at + (t.resolution_due_at - t.created_at)
  FROM tickets_ticket t JOIN root_of r ON r.id = t.department_id
 WHERE t.resolution_due_at < %(now)s AND t.resolved_at IS NULL AND t.escalation_level < 3
   AND {_CLOCK_RUNNING}
   AND t.resolution_due_at + (t.resolution_due_at - t.created_at) < %(now)s
"""  # noqa: S608 - constant text; values are parameters  # nosec B608


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
    with transaction.atomic(durable=True):
        # The unique (ticket, level, reason, department) is the guarantee; the lock makes a second
        # sweep wait and find nothing new instead of deadlocking with the first.
        advisory_xact_lock(AdvisoryLock.SLA_SWEEP)
        # Found and raised in one statement: escalations_raise runs the sweep's query inside its own.
        raised = escalations_raise(due=DueEscalations(sql=_DUE_SQL, params={"reason": Escalation.Reason.SLA}), now=now)
        if raised:
            # A mail server that fails must not undo escalations already committed: robust.
            transaction.on_commit(partial(escalations_notify, escalations=raised), robust=True)
    return SweepSummary(now=now, raised=Counter(escalation.level for escalation in raised))
