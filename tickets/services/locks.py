"""Row locks for the actions, through named helpers, always in one order (by id) so that two
actions locking the same tickets can never deadlock. Each lock lasts until the transaction ends.

A helper finds only what the actor can see: anything else is ObjectNotFound, never a hint that it exists.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from departments.selectors import department_ids_in_scope_sql
from tickets.models import Escalation, Ticket
from tickets.numbering import ticket_number_is_valid
from tickets.services.errors import ObjectNotFound

# PostgreSQL's bigint: a larger id cannot exist, and comparing with one is an error, not a miss.
MAX_ID = 2**63 - 1


def _visible_locked(*, actor, numbers: list[str]) -> QuerySet[Ticket]:
    valid = [number for number in numbers if ticket_number_is_valid(number)]
    return Ticket.objects.visible_to(actor).filter(number__in=valid).order_by("id").select_for_update()


def ticket_lock(*, actor, number: str) -> Ticket:
    """The ticket `number` as `actor` sees it, its row locked."""
    ticket = _visible_locked(actor=actor, numbers=[number]).first()
    if ticket is None:
        raise ObjectNotFound(_("No such ticket."))
    return ticket


def tickets_lock(*, actor, numbers: list[str]) -> dict[str, Ticket]:
    """Several tickets the actor can see, locked in id order in one statement; {number: ticket},
    without the numbers that are absent or invisible."""
    return {ticket.number: ticket for ticket in _visible_locked(actor=actor, numbers=numbers)}


def escalation_lock(*, actor, escalation_id: int) -> Escalation:
    """An escalation in the actor's scope (its notify department is), its row locked."""
    if not 0 < escalation_id <= MAX_ID:
        raise ObjectNotFound(_("No such escalation."))
    escalations = Escalation.objects.filter(pk=escalation_id)
    if not actor.is_superuser:
        escalations = escalations.filter(notify_department_id__in=department_ids_in_scope_sql(user=actor))
    escalation = escalations.select_for_update().first()
    if escalation is None:
        raise ObjectNotFound(_("No such escalation."))
    return escalation
