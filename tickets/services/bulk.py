"""Supervisors acting on many tickets of the queue at once: assign them to an officer, or reject them as
spam with a reason. Each ticket goes through its own service (ticket_assign, ticket_transition), so
each is checked and audited as if done alone; the batch is one transaction that locks its tickets
in id order first (one statement), and a ticket its service refuses is reported, not fatal."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import SUPERVISING_ROLES
from departments.selectors import department_roles
from seva.errors import AppError
from tickets.lifecycle import Status
from tickets.services.errors import ActionForbidden, TicketActionError
from tickets.services.locks import tickets_lock
from tickets.services.ticket_actions import ticket_assign, ticket_transition

# A page of the queue is 50; a few pages at once, not the whole queue by accident.
BULK_MAX_TICKETS = 200
SPAM_REASON_PREFIX = "Spam"


@dataclass(frozen=True)
class BulkResult:
    done: list[str] = field(default_factory=list)
    # {ticket number: why it was not done}
    refused: dict[str, str] = field(default_factory=dict)


def _check_batch(*, actor: User, numbers: list[str]) -> tuple[list[str], dict[int, set[str]]]:
    numbers = list(dict.fromkeys(number.strip().upper() for number in numbers if number.strip()))
    if not numbers:
        raise TicketActionError("no_tickets", _("Select at least one ticket."), {"ticket": [_("Select tickets.")]})
    if len(numbers) > BULK_MAX_TICKETS:
        message = _("Select at most %(count)d tickets at once.") % {"count": BULK_MAX_TICKETS}
        raise TicketActionError("too_many_tickets", message, {"ticket": [message]})
    roles = department_roles(user=actor)
    if not actor.is_superuser and not any(held & set(SUPERVISING_ROLES) for held in roles.values()):
        raise ActionForbidden(_("Only supervisors act on many tickets at once."))
    return numbers, roles


def _each(*, numbers: list[str], locked: dict, perform) -> BulkResult:
    result = BulkResult()
    for number in numbers:
        if number not in locked:
            result.refused[number] = str(_("No such ticket."))
            continue
        try:
            # The service's own atomic block is a savepoint here: a refusal undoes only that ticket.
            perform(number)
        except AppError as error:
            result.refused[number] = str(error.message)
        else:
            result.done.append(number)
    return result


@transaction.atomic
def tickets_bulk_assign(*, actor: User, numbers: list[str], assignee: User | int | str) -> BulkResult:
    """Give each ticket to `assignee` (ticket_assign: the actor must supervise each ticket and the
    assignee work in its scope), each with its assigned event."""
    numbers, _roles = _check_batch(actor=actor, numbers=numbers)
    locked = tickets_lock(actor=actor, numbers=numbers)
    return _each(
        numbers=numbers,
        locked=locked,
        perform=lambda number: ticket_assign(actor=actor, number=number, assignee=assignee),
    )


@transaction.atomic
def tickets_bulk_reject_spam(*, actor: User, numbers: list[str], reason: str) -> BulkResult:
    """Reject each ticket as spam, with the reason (ticket_transition to rejected, each with its
    status event); only a supervisor of the ticket's department may, in bulk."""
    reason = reason.strip()
    if not reason:
        message = _("Say why these tickets are spam.")
        raise TicketActionError("rejection_reason_required", message, {"reason": [message]})
    numbers, roles = _check_batch(actor=actor, numbers=numbers)
    note = f"{SPAM_REASON_PREFIX}: {reason}"

    locked = tickets_lock(actor=actor, numbers=numbers)

    def reject(number: str) -> None:
        ticket = locked[number]
        if not actor.is_superuser and not roles.get(ticket.scope_department_id, set()) & set(SUPERVISING_ROLES):
            raise ActionForbidden(_("Only a supervisor of this ticket's department may do this."))
        ticket_transition(actor=actor, number=number, to=Status.REJECTED, note=note)

    return _each(numbers=numbers, locked=locked, perform=reject)
