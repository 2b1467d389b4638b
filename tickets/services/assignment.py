"""Handing out unassigned tickets: to the least-loaded officer on duty, or to whoever takes the next.

Both take the tickets with `SELECT ... FOR UPDATE SKIP LOCKED`: concurrent assigners each get a
different set of rows, so no ticket goes to two officers, and a row another assigner holds is not
waited for (it is that assigner's to give). The WHERE is checked again on the locked row, so a ticket
assigned meanwhile is never handed out a second time.
"""

import heapq

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import WORKING_ROLES, Membership, Role
from departments.selectors import department_ids_in_scope_sql
from tickets.audit import audit_events_append
from tickets.events.ticket import ticket_assigned_event
from tickets.lifecycle import AWAITING_OWNER, OPEN_STATUSES, Status, transition_allowed
from tickets.models import Ticket
from tickets.services.errors import ActionForbidden
from tickets.services.ticket_actions import ticket_assign_to


def _unassigned() -> QuerySet[Ticket]:
    return Ticket.objects.filter(assigned_to__isnull=True, status__in=AWAITING_OWNER).order_by("priority", "id")


def _officer_loads(*, department_id: int) -> list[tuple[int, int]]:
    """(open tickets assigned, user id) of each active officer on duty with a membership on the department."""
    rows = (
        Membership.objects.filter(department_id=department_id, role=Role.OFFICER, on_duty=True, user__is_active=True)
        .annotate(load=Count("user__assigned_tickets", filter=Q(user__assigned_tickets__status__in=OPEN_STATUSES)))
        .values_list("load", "user_id")
    )
    return list(rows)


@transaction.atomic
def ticket_auto_assign(*, department_id: int | None = None, unit_id: int | None = None, limit: int = 100) -> int:
    """Assign up to `limit` unassigned new or reopened tickets of a department (or of a unit) to its
    officers on duty, each to whoever has the fewest open tickets at that moment; highest priority
    and oldest first. Returns how many were assigned; the actor is the system."""
    if (department_id is None) == (unit_id is None):
        raise ValueError("Give exactly one of department_id or unit_id.")
    loads = _officer_loads(department_id=unit_id or department_id)
    if not loads:
        return 0
    scope = {"unit_id": unit_id} if unit_id else {"department_id": department_id}
    locked = _unassigned().filter(**scope).select_for_update(skip_locked=True).only("id", "status")[:limit]
    tickets = [t for t in locked if transition_allowed(from_status=t.status, to_status=Status.ASSIGNED)]
    if not tickets:
        return 0
    heapq.heapify(loads)
    now = timezone.now()
    events = []
    for ticket in tickets:
        load, user_id = heapq.heappop(loads)
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
