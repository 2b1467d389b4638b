"""The services that move due times: the clock pausing and resuming, a policy saved; and the
calendars and policies saved and deleted by their administrators.

Business time is counted in the governing calendar's wall clock (tickets.sla.clock), with the
targets of tickets.sla.targets. Calendars and policies are departments' configuration: their
saves check the actor's right and record CONFIG_CHANGED as the other configuration's do
(departments.services `config_save`, `config_delete`).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from departments.models import BusinessCalendar, Holiday, SlaPolicy, WorkingPeriod
from departments.services import (
    Related,
    business_calendar_rows_removed,
    config_delete,
    config_row,
    config_save,
    config_values,
)
from departments.tree import subtree_cte
from tickets.lifecycle import OPEN_STATUSES
from tickets.models import Ticket, scope_department_sql
from tickets.sla.clock import BusinessClock
from tickets.sla.targets import PolicyMinutes, sla_cache_clear, sla_targets_for


def ticket_sla_pause(*, ticket: Ticket, at: datetime) -> None:
    """Stop the ticket's SLA clock at `at` (it now waits on the citizen). Call it in the transaction
    of the transition, with the ticket locked; a clock already paused stays as it is."""
    if ticket.sla_paused_at is not None:
        return
    ticket.sla_paused_at = at
    ticket.save(update_fields=["sla_paused_at"])


def ticket_sla_resume(*, ticket: Ticket, at: datetime) -> None:
    """Restart the clock at `at`, pushing each due time later by the business time spent paused.

    A target that had already passed when the clock stopped stays passed, and the first-response
    target moves only while no response has been given. Same transaction and lock as the pause.
    """
    paused_at = ticket.sla_paused_at
    if paused_at is None:
        return
    clock = sla_targets_for([ticket.scope_department_id])[ticket.scope_department_id].clock
    paused = clock.business_time_between(paused_at, at)
    fields = ["sla_paused_at"]
    if ticket.first_responded_at is None and ticket.first_response_due_at and ticket.first_response_due_at > paused_at:
        ticket.first_response_due_at = clock.add_business_time(ticket.first_response_due_at, paused)
        fields.append("first_response_due_at")
    if ticket.resolution_due_at and ticket.resolution_due_at > paused_at:
        ticket.resolution_due_at = clock.add_business_time(ticket.resolution_due_at, paused)
        fields.append("resolution_due_at")
    ticket.sla_paused_at = None
    ticket.save(update_fields=fields)


# The open tickets a policy governs: in its department's subtree, not below a department that has
# its own policy for the priority. Locked so a concurrent resume cannot be overwritten.
_GOVERNED_CTE = subtree_cte(
    "governed",
    seed="SELECT %(department)s::bigint",
    prune="NOT EXISTS (SELECT 1 FROM departments_slapolicy p WHERE p.department_id = d.id"
    " AND p.priority = %(priority)s)",
)
_GOVERNED_SQL = f"""
WITH RECURSIVE {_GOVERNED_CTE}
SELECT t.id, {scope_department_sql("t")}, t.created_at, t.first_response_due_at, t.resolution_due_at,
       t.first_responded_at IS NULL
  FROM tickets_ticket t
 WHERE {scope_department_sql("t")} IN (SELECT id FROM governed)
   AND t.priority = %(priority)s AND t.status = ANY(%(open)s)
   FOR NO KEY UPDATE OF t
"""  # noqa: S608 - constant text; values are parameters  # nosec B608


def _moved(clock: BusinessClock, *, created_at: datetime, due: datetime | None, old: int | None, new: int) -> datetime:
    """The due time for target `new` given the one for `old`, keeping the time the clock was paused
    (the business time from creation to the old due time, beyond the old target)."""
    if due is None or old is None:
        return clock.add_business_minutes(created_at, new)
    paused = max(timedelta(0), clock.business_time_between(created_at, due) - timedelta(minutes=old))
    return clock.add_business_time(created_at, timedelta(minutes=new) + paused)


def ticket_sla_retarget(*, ticket: Ticket, from_priority: str) -> list[str]:
    """Move a locked ticket's due times from `from_priority`'s targets to those of its (new)
    priority, counted from its creation, keeping the business time its clock was paused; returns
    the fields changed, for the caller's save. A target already met (first response given) stays."""
    if ticket.status not in OPEN_STATUSES:
        return []
    targets = sla_targets_for([ticket.scope_department_id])[ticket.scope_department_id]
    old, new = targets.policies.get(from_priority), targets.policies.get(ticket.priority)
    fields = []
    if ticket.first_responded_at is None:
        ticket.first_response_due_at = (
            _moved(
                targets.clock,
                created_at=ticket.created_at,
                due=ticket.first_response_due_at,
                old=old and old.first_response,
                new=new.first_response,
            )
            if new
            else None
        )
        fields.append("first_response_due_at")
    ticket.resolution_due_at = (
        _moved(
            targets.clock,
            created_at=ticket.created_at,
            due=ticket.resolution_due_at,
            old=old and old.resolution,
            new=new.resolution,
        )
        if new
        else None
    )
    fields.append("resolution_due_at")
    return fields


@transaction.atomic
def sla_policy_recompute(*, policy: SlaPolicy, previous: PolicyMinutes | None) -> int:
    """Move the due times of the open tickets `policy` governs to its targets; returns how many.

    `previous`: the targets those tickets had before the change (the policy's old values, or the
    inherited ones for a new policy; None when they had none). Due times are computed in Python
    (business time), then written with one UPDATE.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _GOVERNED_SQL,
            {"department": policy.department_id, "priority": policy.priority, "open": sorted(OPEN_STATUSES)},
        )
        rows = cursor.fetchall()
        if not rows:
            return 0
        clocks = {department_id: t.clock for department_id, t in sla_targets_for(row[1] for row in rows).items()}
        ids, first_dues, resolution_dues = [], [], []
        for ticket_id, department_id, created_at, first_due, resolution_due, awaiting_response in rows:
            clock = clocks[department_id]
            ids.append(ticket_id)
            first_dues.append(
                _moved(
                    clock,
                    created_at=created_at,
                    due=first_due,
                    old=previous and previous.first_response,
                    new=policy.first_response_minutes,
                )
                if awaiting_response
                else first_due
            )
            resolution_dues.append(
                _moved(
                    clock,
                    created_at=created_at,
                    due=resolution_due,
                    old=previous and previous.resolution,
                    new=policy.resolution_minutes,
                )
            )
        cursor.execute(
            """
            UPDATE tickets_ticket t SET first_response_due_at = v.first_due, resolution_due_at = v.resolution_due
              FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS v(id, first_due, resolution_due)
             WHERE t.id = v.id
            """,
            [ids, first_dues, resolution_dues],
        )
    return len(ids)


def _policy_check(policy: SlaPolicy) -> None:
    # Which tickets a policy governs is fixed once saved: moving it is a delete and an add.
    if policy.pk and (
        SlaPolicy.objects.filter(pk=policy.pk)
        .exclude(department_id=policy.department_id, priority=policy.priority)
        .exists()
    ):
        raise ValidationError(_("A policy keeps its department and priority: delete it and add another."))


@transaction.atomic
def sla_policy_save(*, actor: User, policy: SlaPolicy) -> int:
    """Save a new or changed policy (`actor` administers its department) and move the due times
    of the open tickets it governs; returns how many moved.

    A policy's department and priority are fixed once saved (the admin shows them read-only):
    to move one, delete it and add another.
    """
    previous = sla_targets_for([policy.department_id])[policy.department_id].policies.get(policy.priority)
    config_save(actor=actor, instance=policy, check=lambda: _policy_check(policy))
    return sla_policy_recompute(policy=policy, previous=previous)


@transaction.atomic
def sla_policy_delete(*, actor: User, policy: SlaPolicy) -> None:
    """Delete a policy. The due times its open tickets have stay as they are."""
    config_delete(actor=actor, instance=policy)


# A calendar's rows: each saved with it, recorded in its event by relation name.
_CALENDAR_ROWS = {"periods": WorkingPeriod, "holidays": Holiday}


def _calendar_rows_save(*, calendar: BusinessCalendar, relation: str, rows: Sequence[models.Model]) -> dict | None:
    """Make `rows` the calendar's `relation` (new rows have no id; stored ones missing from
    `rows` are removed); what was added, changed and removed, or None for nothing."""
    model = _CALENDAR_ROWS[relation]
    stored = {row.pk: row for row in model.objects.select_for_update().filter(calendar=calendar)}
    kept = {row.pk for row in rows if row.pk is not None}
    if kept - stored.keys():
        raise PermissionDenied(_("These rows belong to another calendar."))
    removed = [config_row(row, parent="calendar_id") for pk, row in stored.items() if pk not in kept]
    # Removed first, so a holiday's date may pass to a row added in the same save.
    model.objects.filter(pk__in=[row["id"] for row in removed]).delete()
    added, changed = [], []
    for row in rows:
        row.calendar = calendar
        if row.pk is None:
            row.save()
            added.append(config_row(row, parent="calendar_id"))
            continue
        before, after = config_values(stored[row.pk]), config_values(row)
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            row.save()
            changed.append({"id": row.pk, "changes": changes})
    if not (added or changed or removed):
        return None
    return {"added": added, "changed": changed, "removed": removed}


@transaction.atomic
def business_calendar_save(
    *,
    actor: User,
    calendar: BusinessCalendar,
    periods: Sequence[WorkingPeriod] | None = None,
    holidays: Sequence[Holiday] | None = None,
) -> BusinessCalendar:
    """Save a new or changed calendar (`actor` administers its department) with its working periods
    and holidays: `periods` and `holidays`, when given, are all the calendar's rows after the save
    (new ones without an id). One CONFIG_CHANGED records the calendar's changed fields and the rows
    added, changed and removed."""

    def save_related() -> Related:
        related = {}
        for relation, rows in (("periods", periods), ("holidays", holidays)):
            if rows is not None and (saved := _calendar_rows_save(calendar=calendar, relation=relation, rows=rows)):
                related[relation] = saved
        return related

    config_save(actor=actor, instance=calendar, save_related=save_related)
    # tickets.sla.targets keeps calendars a minute per process; this one sees the edit at once.
    sla_cache_clear()
    return calendar


@transaction.atomic
def business_calendar_delete(*, actor: User, calendar: BusinessCalendar) -> None:
    """Delete a calendar with its periods and holidays (one event): its department's tickets then
    count in its nearest ancestor's calendar. Due times already set stay as they are."""
    config_delete(actor=actor, instance=calendar, related=business_calendar_rows_removed)
    sla_cache_clear()
