"""Handing out unassigned tickets: to the least-loaded officer on duty, or to whoever takes the next.

Automatic assignment (a department or unit whose assignment mode resolves to automatic) gives each
waiting ticket of that scope department (its unit, else its department: `Ticket.scope_department_id`)
to one of the officers with a membership on that very department who are on duty: the unit's own
officers, as DESIGN says; a department's officers above it are not fed its units' tickets (they see
them and may take them). Never a ticket of an incident: an incident is worked as one.

Two locks keep concurrent assigners apart:
- the officers: their user rows are locked (`FOR NO KEY UPDATE`, in id order, so assigners never
  deadlock; NO KEY, so the foreign-key checks of an officer's own work are not blocked) before their
  open tickets are counted, in a statement of its own: the count then sees every assignment
  committed by an assigner that held them before. So the cap (`max_open_per_officer`) holds however
  many assigners run, whatever department they assign for.
- the tickets: `SELECT ... FOR UPDATE SKIP LOCKED`, so a ticket another transaction holds is not
  waited for, and the WHERE is checked again on the locked row: a ticket assigned (or put into an
  incident) meanwhile is never handed out.
"""

import heapq
from collections.abc import Collection
from functools import partial

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import WORKING_ROLES, Role
from departments.selectors import department_assignment_settings, department_ids_in_scope_sql
from tickets.audit import audit_events_append
from tickets.events.ticket import ticket_assigned_event
from tickets.lifecycle import AWAITING_OWNER, OPEN_STATUSES, Status, transition_allowed
from tickets.models import Ticket
from tickets.services.errors import ActionForbidden
from tickets.services.ticket_actions import ticket_assign_to

# How many tickets one assigner's transaction hands out: locks are held that long.
AUTO_ASSIGN_BATCH = 100


def _unassigned() -> QuerySet[Ticket]:
    return Ticket.objects.filter(assigned_to__isnull=True, status__in=AWAITING_OWNER).order_by("priority", "id")


def _of_scope(department_id: int) -> Q:
    """Tickets whose scope department is `department_id` (`scope_department_sql` as a filter that uses
    the unit and department indexes)."""
    return Q(unit_id=department_id) | Q(department_id=department_id, unit_id__isnull=True)


def _officers_lock(*, department_id: int) -> list[int]:
    """Lock the user rows of the active officers on duty of the department, in id order; their ids."""
    officers = (
        User.objects.filter(
            is_active=True,
            memberships__department_id=department_id,
            memberships__role=Role.OFFICER,
            memberships__on_duty=True,
        )
        .order_by("id")
        .select_for_update(no_key=True, of=("self",))
    )
    return list(officers.values_list("id", flat=True))


def _open_loads(*, user_ids: list[int]) -> dict[int, int]:
    """How many open tickets each of `user_ids` holds now, in any department."""
    rows = (
        Ticket.objects.filter(assigned_to_id__in=user_ids, status__in=OPEN_STATUSES)
        .values("assigned_to_id")
        .annotate(load=Count("id"))
        .values_list("assigned_to_id", "load")
        .order_by()
    )
    return dict(rows)


@transaction.atomic
def ticket_auto_assign(*, department_id: int, limit: int = AUTO_ASSIGN_BATCH) -> int:
    """Assign up to `limit` waiting tickets (unassigned, new or reopened, in no incident) of the scope
    department `department_id` (a department's own or a unit's) to its officers on duty, each to
    whoever has the fewest open tickets at that moment, none beyond the cap; highest priority and
    oldest first. Nothing where assignment is manual. Returns how many were assigned; the actor is
    the system (ASSIGNED, how "auto")."""
    assignment = department_assignment_settings(department_ids=[department_id]).get(department_id)
    if assignment is None or not assignment.is_auto:
        return 0
    officer_ids = _officers_lock(department_id=department_id)
    if not officer_ids:
        return 0
    cap = assignment.max_open_per_officer
    loads_now = _open_loads(user_ids=officer_ids)
    loads = [(loads_now.get(user_id, 0), user_id) for user_id in officer_ids]
    room = sum(max(0, cap - load) for load, _user_id in loads)
    if room == 0:
        return 0
    waiting = _unassigned().filter(_of_scope(department_id), incident__isnull=True)
    locked = waiting.select_for_update(skip_locked=True, of=("self",)).only("id", "status")[: min(limit, room)]
    tickets = [t for t in locked if transition_allowed(from_status=t.status, to_status=Status.ASSIGNED)]
    if not tickets:
        return 0
    heapq.heapify(loads)
    now = timezone.now()
    events = []
    for ticket in tickets:
        load, user_id = heapq.heappop(loads)
        # room bounded the tickets taken, so the least-loaded officer is always below the cap here.
        heapq.heappush(loads, (load + 1, user_id))
        events.append(
            ticket_assigned_event(
                ticket_id=ticket.id,
                actor_id=None,
                how="auto",
                assignee_id=user_id,
                previous_assignee_id=None,
                from_status=ticket.status,
                to_status=Status.ASSIGNED,
            )
        )
        ticket.assigned_to_id, ticket.status, ticket.updated_at = user_id, Status.ASSIGNED, now
    Ticket.objects.bulk_update(tickets, ["assigned_to", "status", "updated_at"])
    audit_events_append(events)
    return len(events)


def _waiting_scope_ids(*, department_ids: Collection[int]) -> list[int]:
    """Of `department_ids`, those that are the scope department of a waiting ticket (one query)."""
    ids = list(department_ids)
    scopes = (
        _unassigned()
        .filter(Q(unit_id__in=ids) | Q(unit_id__isnull=True, department_id__in=ids), incident__isnull=True)
        .values_list("unit_id", "department_id")
        .order_by()
        .distinct()
    )
    return sorted({unit_id or dept_id for unit_id, dept_id in scopes})


def tickets_auto_assign(*, department_ids: Collection[int] | None = None, batch: int = AUTO_ASSIGN_BATCH) -> int:
    """Give out the waiting tickets of the departments and units in `department_ids` (None: all of
    them) whose assignment is automatic, `batch` tickets to a transaction, until none is left or no
    officer has room. Returns how many were assigned. Safe to run twice or concurrently."""
    settings_by_id = department_assignment_settings(department_ids=department_ids)
    auto_ids = [department_id for department_id, found in settings_by_id.items() if found.is_auto]
    total = 0
    for department_id in _waiting_scope_ids(department_ids=auto_ids) if auto_ids else []:
        while (assigned := ticket_auto_assign(department_id=department_id, limit=batch)) > 0:
            total += assigned
            if assigned < batch:
                break
    return total


# Enqueues a run of automatic assignment for some departments: tickets' own task, which
# tickets/apps.py registers (tasks are doors: services do not import them).
_auto_assign_enqueue = None


def auto_assign_register(*, enqueue) -> None:
    """Name the function that enqueues `tickets_auto_assign` for a list of department ids."""
    global _auto_assign_enqueue  # noqa: PLW0603 - one hook per process, set once at start-up
    _auto_assign_enqueue = enqueue


def _auto_assign_kick(department_ids: list[int]) -> None:
    if _auto_assign_enqueue is not None:
        _auto_assign_enqueue(department_ids)


def tickets_auto_assign_on_commit(*, department_ids: Collection[int]) -> None:
    """After the current transaction commits, assign the waiting tickets of these scope departments
    (intake's new tickets): in a worker, so intake holds no officer's lock and pays no query for it,
    and after everything intake decided (an incident) is committed. The beat catches a lost kick."""
    if department_ids:
        transaction.on_commit(partial(_auto_assign_kick, sorted(set(department_ids))), robust=True)


@transaction.atomic
def ticket_take_next(*, officer: User) -> Ticket | None:
    """ "Take next": the officer gets the most urgent, oldest unassigned ticket they may work; None when
    there is none (or every one is being handed out by someone else this instant). ActionForbidden for
    someone who works no department's tickets (an auditor)."""
    works = officer.memberships.filter(role__in=WORKING_ROLES, department__is_active=True).exists()
    if not officer.is_superuser and not works:
        raise ActionForbidden(_("Only officers, supervisors and department admins take tickets."))
    tickets = _unassigned()
    if not officer.is_superuser:
        scope = department_ids_in_scope_sql(user=officer, roles=WORKING_ROLES)
        tickets = tickets.filter(Q(department_id__in=scope) | Q(unit_id__in=scope))
    ticket = tickets.select_for_update(skip_locked=True).first()
    if ticket is None:
        return None
    ticket_assign_to(ticket, assignee=officer, actor=officer, how="take_next", now=timezone.now())
    return ticket
