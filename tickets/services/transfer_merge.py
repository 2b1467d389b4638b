"""Moving a ticket out of its queue: transfer to another department, merge into another ticket."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.selectors import department_ministry_ids, user_ministry_ids
from seva.errors import Text
from tickets.audit import audit_events_append
from tickets.citizen_texts import transferred_text
from tickets.events.ticket import (
    ticket_merge_received_event,
    ticket_merged_event,
    ticket_transferred_event,
    ticket_triage_changed_event,
)
from tickets.lifecycle import Status, transition_allowed
from tickets.models import Ticket
from tickets.selectors import category_list_for, department_find
from tickets.services.errors import ActionConflict, ObjectNotFound, TicketActionError
from tickets.services.locks import ticket_lock, tickets_lock
from tickets.services.permissions import check_can_transfer_across, check_can_work
from tickets.services.ticket_actions import check_open, citizen_tell, ticket_save
from tickets.sla.services import ticket_sla_resume
from tickets.sla.targets import sla_due_times
from tickets.triage.rules import REASON_MAX_LENGTH


def _department_error(message: Text) -> TicketActionError:
    return TicketActionError("invalid_department", message, {"department": [message]})


@transaction.atomic
def ticket_transfer(*, actor: User, number: str, department_code: str, reason: str) -> Ticket:
    """Send an open ticket to another (active) department: it starts again there as `new`,
    unassigned and without a unit, and the citizen is told who has it now. A department of another
    ministry takes it only from an admin of both ministries (`check_can_transfer_across`), and
    without the old ministry's own category (TRIAGE_CHANGED to "other"; shared ones stay).

    The status reset is the transfer's own rule, allowed from every open status, not a lifecycle step.
    """
    reason = reason.strip()
    if not reason:
        raise TicketActionError("reason_required", _("A transfer needs a reason."), {"reason": [_("Give a reason.")]})
    ticket = ticket_lock(actor=actor, number=number)
    check_can_work(actor=actor, ticket=ticket)
    target = department_find(code=department_code)
    if target is None or not target.is_active:
        raise _department_error(_("No active department has this code."))
    if target.is_unit:
        raise _department_error(_("Transfer to a department; its supervisors route the ticket to a unit."))
    if target.pk == ticket.department_id:
        raise _department_error(_("The ticket is already in this department."))
    ministries = department_ministry_ids(department_ids=[ticket.department_id, target.pk])
    crossing = ministries[target.pk] != ministries[ticket.department_id]
    if crossing:
        # Another ministry's departments do not exist for whoever holds no role there.
        if ministries[target.pk] not in user_ministry_ids(user=actor):
            raise _department_error(_("No active department has this code."))
        check_can_transfer_across(
            actor=actor, from_ministry_id=ministries[ticket.department_id], to_ministry_id=ministries[target.pk]
        )
    check_open(ticket)

    now = timezone.now()
    source, source_unit = ticket.department, ticket.unit
    previous_status, previous_assignee_id = ticket.status, ticket.assigned_to_id
    if ticket.status == Status.AWAITING_CITIZEN:
        ticket_sla_resume(ticket=ticket, at=now)
    ticket.department, ticket.unit, ticket.status, ticket.assigned_to = target, None, Status.NEW, None
    # The receiving department is escalated on its own clock; the old department's escalations stay
    # on record (they are unique per notified department, so these are new ones).
    previous_escalation_level, ticket.escalation_level = ticket.escalation_level, 0
    fields = ["department", "unit", "status", "assigned_to", "resolution_due_at", "escalation_level"]
    # The receiving department's targets count from now; a first response already given stands.
    first_response_due, ticket.resolution_due_at = sla_due_times(
        department_id=target.pk, priority=ticket.priority, start=now
    )
    if ticket.first_responded_at is None:
        ticket.first_response_due_at = first_response_due
        fields.append("first_response_due_at")
    # The old ministry's own category does not come along (the new one has no such category): the
    # ticket is "other" there until its officers choose. Shared categories stay.
    dropped_category_id = None
    kept = category_list_for(department_id=target.pk).filter(code=ticket.category_id)
    if crossing and ticket.category_id and not kept.exists():
        dropped_category_id = ticket.category_id
        ticket.category, ticket.triage_rule, ticket.triage_reason = None, None, reason[:REASON_MAX_LENGTH]
        fields += ["category", "triage_rule", "triage_reason"]
    ticket_save(ticket, fields=fields, now=now)
    text = transferred_text(number=ticket.number, department=target, language=ticket.language)
    messages = citizen_tell(ticket=ticket, text=text, actor=actor, field="department")
    events = [
        ticket_transferred_event(
            ticket_id=ticket.id,
            actor_id=actor.pk,
            from_department_code=source.code,
            from_unit_code=source_unit.code if source_unit else None,
            to_department_code=target.code,
            reason=reason,
            previous_status=previous_status,
            previous_assignee_id=previous_assignee_id,
            previous_escalation_level=previous_escalation_level,
            citizen_told=messages,
        )
    ]
    if dropped_category_id is not None:
        events.append(
            ticket_triage_changed_event(
                ticket_id=ticket.id,
                actor_id=actor.pk,
                from_priority=ticket.priority,
                to_priority=ticket.priority,
                from_category_id=dropped_category_id,
                to_category_id=None,
                reason=ticket.triage_reason,
            )
        )
    audit_events_append(events)
    return ticket


@transaction.atomic
def ticket_merge(*, actor: User, number: str, into_number: str) -> Ticket:
    """Make this ticket a duplicate of `into_number` (which the actor must be able to work on too):
    it becomes rejected, "duplicate of <number>", pointing at the other, and both tickets get a
    MERGED event."""
    into_number = into_number.strip().upper()
    if into_number == number:
        raise TicketActionError(
            "merge_into_itself", _("A ticket cannot be merged into itself."), {"into": [_("Give another ticket.")]}
        )
    tickets = tickets_lock(actor=actor, numbers=[number, into_number])
    ticket = tickets.get(number)
    if ticket is None:
        raise ObjectNotFound(_("No such ticket."))
    check_can_work(actor=actor, ticket=ticket)
    into = tickets.get(into_number)
    if into is None:
        raise TicketActionError(
            "unknown_ticket", _("No such ticket."), {"into": [_("No ticket you can see has this number.")]}
        )
    # The survivor gains the duplicate's tweets and history: the actor must be able to work on it too.
    check_can_work(actor=actor, ticket=into)
    if into.status == Status.REJECTED:
        raise ActionConflict(
            "merge_into_rejected",
            format_lazy(_("{number} is rejected; merge into the ticket it points to."), number=into.number),
        )
    if not transition_allowed(from_status=ticket.status, to_status=Status.REJECTED):
        raise ActionConflict(
            "transition_not_allowed", format_lazy(_("A {status} ticket cannot be merged."), status=ticket.status)
        )

    now = timezone.now()
    if ticket.status == Status.AWAITING_CITIZEN:
        ticket_sla_resume(ticket=ticket, at=now)
    previous_status = ticket.status
    ticket.status, ticket.rejection_reason, ticket.merged_into = Status.REJECTED, f"duplicate of {into.number}", into
    ticket_save(ticket, fields=["status", "rejection_reason", "merged_into"], now=now)
    ticket_save(into, fields=[], now=now)
    audit_events_append(
        [
            ticket_merged_event(
                ticket_id=ticket.id, actor_id=actor.pk, into_number=into.number, from_status=previous_status
            ),
            ticket_merge_received_event(ticket_id=into.id, actor_id=actor.pk, merged_number=ticket.number),
        ]
    )
    return ticket
