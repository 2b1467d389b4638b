"""What the service tests share: the pairs of statuses the lifecycle allows and refuses, a ticket's
events and stored row, and a ticket in a given status with its owner."""

from tests.factories.tickets import ticket_of
from tickets.lifecycle import Status, transition_allowed
from tickets.models import AuditEvent, EventKind, Ticket

ALL_PAIRS = [(a, b) for a in Status.values for b in Status.values]
ALLOWED = [(a, b) for a, b in ALL_PAIRS if transition_allowed(from_status=a, to_status=b)]
REFUSED = [(a, b) for a, b in ALL_PAIRS if not transition_allowed(from_status=a, to_status=b)]
# Statuses in which a ticket has an owner (in_status gives it one, as the services would).
OWNED = {Status.ASSIGNED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN, Status.RESOLVED, Status.CLOSED}


def events_of(ticket: Ticket) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(ticket=ticket).exclude(kind=EventKind.CREATED).order_by("id"))


def row(ticket: Ticket) -> dict:
    return Ticket.objects.filter(pk=ticket.pk).values().get()


def in_status(status: str, *, owner, **fields) -> Ticket:
    return ticket_of("BSNL", status=status, assigned_to=owner if status in OWNED else None, **fields)


def note_for(to: str) -> str:
    return "Done: the line is repaired." if to in (Status.RESOLVED, Status.REJECTED) else ""
