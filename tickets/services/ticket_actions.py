"""Officers working a ticket: claim, assign, change status, reply, note.

Each action locks the ticket, checks the actor's right on that ticket and the transition, and writes
the change with its one audit event in one transaction. The follow-up work, sending what the citizen
is told, happens after commit: outbox_queue_reply registers the sender's kick with on_commit, so a
rolled-back action sends nothing.
"""

import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import WORKING_ROLES, CannedResponse
from departments.selectors import department_ancestor_ids, user_has_role
from seva.errors import Text
from tickets.audit import audit_event_append
from tickets.citizen_texts import resolved_text
from tickets.events.ticket import (
    ticket_assigned_event,
    ticket_note_event,
    ticket_replied_event,
    ticket_status_changed_event,
)
from tickets.lifecycle import AWAITING_OWNER, OPEN_STATUSES, Status, transition_allowed
from tickets.models import InternalNote, MessageKind, Ticket, TicketMessage
from tickets.selectors import staff_user_find
from tickets.services.errors import ActionConflict, ActionForbidden, TicketActionError
from tickets.services.locks import ticket_lock
from tickets.services.outbox import ReplyTextInvalid, outbox_queue_reply
from tickets.services.permissions import check_can_supervise, check_can_work, is_supervisor_of
from tickets.sla.services import ticket_sla_pause, ticket_sla_resume


def ticket_save(ticket: Ticket, *, fields: list[str], now: datetime) -> None:
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])


def check_open(ticket: Ticket) -> None:
    if ticket.status not in OPEN_STATUSES:
        raise ActionConflict(
            "ticket_not_open",
            format_lazy(_("The ticket is {status}; this is only for open tickets."), status=ticket.status),
        )


def ticket_assign_to(ticket: Ticket, *, assignee: User, actor: User | None, how: str, now: datetime) -> None:
    """Give a locked, open ticket its owner (a new or reopened ticket becomes assigned) with its event.
    Shared by claim, assign, take-next; the caller has checked the rights."""
    check_open(ticket)
    from_status, previous_id = ticket.status, ticket.assigned_to_id
    if ticket.status in AWAITING_OWNER and transition_allowed(from_status=ticket.status, to_status=Status.ASSIGNED):
        ticket.status = Status.ASSIGNED
    ticket.assigned_to = assignee
    ticket_save(ticket, fields=["assigned_to", "status"], now=now)
    audit_event_append(
        ticket_assigned_event(
            ticket_id=ticket.id,
            actor_id=actor.pk if actor else None,
            how=how,
            assignee_id=assignee.pk,
            assignee_username=assignee.username,
            previous_assignee_id=previous_id,
            from_status=from_status,
            to_status=ticket.status,
        )
    )


@transaction.atomic
def ticket_claim(*, actor: User, number: str) -> Ticket:
    """An officer takes an unassigned ticket of their scope. Claiming one's own ticket changes nothing."""
    ticket = ticket_lock(actor=actor, number=number)
    check_can_work(actor=actor, ticket=ticket)
    if ticket.assigned_to_id == actor.pk:
        return ticket
    if ticket.assigned_to_id is not None:
        raise ActionConflict("already_assigned", _("Someone already works this ticket; a supervisor can reassign it."))
    ticket_assign_to(ticket, assignee=actor, actor=actor, how="claim", now=timezone.now())
    return ticket


@transaction.atomic
def ticket_assign(*, actor: User, number: str, assignee: User | int | str) -> Ticket:
    """A supervisor gives (or reassigns) the ticket to someone who works in the ticket's scope.

    `assignee` is a user, a user id, or a username. Someone unknown and someone outside the scope
    get the same answer, so the form does not reveal who exists elsewhere.
    """
    ticket = ticket_lock(actor=actor, number=number)
    check_can_supervise(actor=actor, ticket=ticket)
    user = assignee if isinstance(assignee, User) else staff_user_find(reference=assignee)
    if (
        user is None
        or not user.is_active
        or not user_has_role(user=user, department_id=ticket.scope_department_id, roles=WORKING_ROLES)
    ):
        raise TicketActionError(
            "assignee_not_in_scope",
            _("Nobody by that name works this ticket's department."),
            {"user": [_("Give the id or username of an officer of this ticket's department.")]},
        )
    if ticket.assigned_to_id == user.pk:
        return ticket
    ticket_assign_to(ticket, assignee=user, actor=actor, how="assign", now=timezone.now())
    return ticket


def _check_transition_right(*, actor: User, ticket: Ticket, to: str) -> None:
    if to == Status.CLOSED and not is_supervisor_of(actor=actor, ticket=ticket):
        # Resolved tickets close themselves after 7 days; closing early is a supervisor's call.
        raise ActionForbidden(_("Only a supervisor may close a ticket before it closes itself."))
    if to == Status.NEW and ticket.assigned_to_id != actor.pk and not is_supervisor_of(actor=actor, ticket=ticket):
        raise ActionForbidden(_("Only the assignee or a supervisor may put a ticket back in the queue."))


def _required(note: str, *, code: str, message: Text) -> str:
    note = note.strip()
    if not note:
        raise TicketActionError(code, message, {"note": [message]})
    return note


@transaction.atomic
def ticket_transition(*, actor: User, number: str, to: str, note: str = "") -> Ticket:
    """Move the ticket through its lifecycle (tickets.lifecycle.TRANSITIONS).

    Resolving needs a resolution note, which the citizen is sent with a request to rate 1-5;
    rejecting needs a reason; awaiting_citizen pauses the SLA clock and leaving it resumes it;
    `assigned` or `in_progress` on an unowned ticket gives it to the actor; `new` puts an assigned
    ticket back in the queue (its assignee or a supervisor); `closed` early is for supervisors.
    """
    if to not in Status.values:
        raise TicketActionError(
            "invalid_status",
            _("No such status."),
            {"to": [format_lazy(_("One of: {statuses}."), statuses=", ".join(Status.values))]},
        )
    ticket = ticket_lock(actor=actor, number=number)
    check_can_work(actor=actor, ticket=ticket)
    from_status = ticket.status
    if not transition_allowed(from_status=from_status, to_status=to):
        raise ActionConflict(
            "transition_not_allowed",
            format_lazy(
                _("A ticket cannot go from {from_status} to {to_status}."), from_status=from_status, to_status=to
            ),
        )
    _check_transition_right(actor=actor, ticket=ticket, to=to)

    now = timezone.now()
    note = note.strip()
    previous_assignee_id, assignee_id = ticket.assigned_to_id, None
    fields = ["status"]
    if to == Status.NEW:
        ticket.assigned_to = None
        fields.append("assigned_to")
    elif to in (Status.ASSIGNED, Status.IN_PROGRESS) and ticket.assigned_to_id is None:
        # Taking up (or starting work on) an unowned ticket makes it yours, as claiming does.
        ticket.assigned_to, assignee_id = actor, actor.pk
        fields.append("assigned_to")
    elif to == Status.RESOLVED:
        ticket.resolution_note = _required(
            note, code="resolution_note_required", message=_("Resolving a ticket needs a resolution note.")
        )
        ticket.resolved_at = now
        fields += ["resolution_note", "resolved_at"]
    elif to == Status.REJECTED:
        ticket.rejection_reason = _required(
            note, code="rejection_reason_required", message=_("Rejecting a ticket needs a reason.")
        )
        fields.append("rejection_reason")
    elif to == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    elif to == Status.REOPENED:
        ticket.resolved_at = None
        fields.append("resolved_at")

    # The SLA helpers save the clock fields themselves (the ticket is locked, in this transaction).
    if from_status == Status.AWAITING_CITIZEN:
        ticket_sla_resume(ticket=ticket, at=now)
    if to == Status.AWAITING_CITIZEN:
        ticket_sla_pause(ticket=ticket, at=now)
    ticket.status = to
    ticket_save(ticket, fields=fields, now=now)

    citizen_told = None
    if to == Status.RESOLVED:
        # The outbox sends it once this transaction commits; the citizen rates by replying 1-5.
        text = resolved_text(number=ticket.number, note=ticket.resolution_note, language=ticket.language)
        citizen_told = citizen_tell(ticket=ticket, text=text, actor=actor, field="note")
    audit_event_append(
        ticket_status_changed_event(
            ticket_id=ticket.id,
            actor_id=actor.pk,
            from_status=from_status,
            to_status=to,
            previous_assignee_id=previous_assignee_id,
            assignee_id=assignee_id,
            note=note,
            citizen_told=citizen_told,
        )
    )
    return ticket


def citizen_tell(*, ticket: Ticket, text: str, actor: User, field: str) -> list[TicketMessage]:
    """Queue `text` to the citizen in the outbox, which sends it after commit (a numbered thread when
    long; a manual reply when no official account was summoned). Too long: 400 on `field`."""
    try:
        return outbox_queue_reply(ticket=ticket, text=text, kind=MessageKind.REPLY, sent_by=actor)
    except ReplyTextInvalid as exc:
        # The outbox knows only the text; the caller's field (a note, a department) is what was wrong.
        raise ReplyTextInvalid(exc.message, field=field) from exc


@transaction.atomic
def ticket_reply(
    *,
    actor: User,
    number: str,
    text: str = "",
    canned_response_id: int | None = None,
    language: str | None = None,
) -> list[TicketMessage]:
    """Queue a reply to the citizen in the outbox: free text, or one of the department's canned
    responses with its placeholders filled in. It counts as the ticket's first response once it is
    actually posted (the outbox records that), not now."""
    text = text.strip()
    if bool(text) == bool(canned_response_id):
        raise TicketActionError(
            "text_required",
            _("Write the reply, or choose a canned response (not both)."),
            {
                "text": [
                    _("Write the reply first.") if not text else _("Write the reply, or choose a canned response.")
                ]
            },
        )
    ticket = ticket_lock(actor=actor, number=number)
    check_can_work(actor=actor, ticket=ticket)
    if ticket.status in (Status.CLOSED, Status.REJECTED):
        raise ActionConflict(
            "ticket_final", format_lazy(_("The ticket is {status}; it takes no more replies."), status=ticket.status)
        )
    if canned_response_id:
        text = canned_response_render(ticket=ticket, canned_response_id=canned_response_id, language=language)
    now = timezone.now()
    messages = citizen_tell(ticket=ticket, text=text, actor=actor, field="text")
    ticket_save(ticket, fields=[], now=now)
    audit_event_append(
        ticket_replied_event(
            ticket_id=ticket.id, actor_id=actor.pk, messages=messages, canned_response_id=canned_response_id
        )
    )
    return messages


_PLACEHOLDER = re.compile(r"\{(number|citizen)\}")


def canned_response_render(*, ticket: Ticket, canned_response_id: int, language: str | None = None) -> str:
    """The canned response of the ticket's unit, department or any department above them, in the
    citizen's language (Hindi when the tweet was Hindi and a Hindi text exists), placeholders filled."""
    scope = department_ancestor_ids(department_id=ticket.scope_department_id)
    canned = CannedResponse.objects.filter(id=canned_response_id, department_id__in=scope, is_active=True).first()
    if canned is None:
        raise TicketActionError(
            "unknown_canned_response",
            _("No such canned response for this ticket's department."),
            {"canned_response": [_("Choose one of the department's canned responses.")]},
        )
    language = language or ("hi" if ticket.language == "hi" else "en")
    template = canned.text_hi if language == "hi" and canned.text_hi else canned.text_en
    values = {"number": ticket.number, "citizen": f"@{ticket.citizen_handle}" if ticket.citizen_handle else ""}
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template).strip()


@transaction.atomic
def ticket_note(*, actor: User, number: str, text: str) -> InternalNote:
    """A staff-only note, never shown to the citizen; allowed in any status."""
    text = text.strip()
    if not text:
        raise TicketActionError("text_required", _("The note is empty."), {"text": [_("Write the note.")]})
    ticket = ticket_lock(actor=actor, number=number)
    check_can_work(actor=actor, ticket=ticket)
    now = timezone.now()
    note = InternalNote.objects.create(ticket=ticket, author=actor, text=text, created_at=now)
    ticket_save(ticket, fields=[], now=now)
    audit_event_append(ticket_note_event(ticket_id=ticket.id, actor_id=actor.pk, note_id=note.pk))
    return note
