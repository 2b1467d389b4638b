"""Supervisors working incidents (surges): open one by hand, add and remove tickets, merge two, write
the public note, resolve it (DESIGN.md, "Triage at the seed's volume").

Each action locks the incident (and the tickets it moves, in id order), checks that the actor
supervises the incident's scope (its unit, else its department: supervisors and department admins),
and writes one audit event per ticket it touches, in one transaction. An incident someone cannot see
is ObjectNotFound (404), as for tickets; one they can see but not supervise is ActionForbidden (403).

Resolving is batched: whatever the number of tickets, a fixed number of statements (the tickets'
update, the outbox's messages, the events), never a query per ticket.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import SUPERVISING_ROLES, Department
from departments.selectors import user_has_role
from tickets.audit import EventDraft, audit_events_append
from tickets.citizen_texts import resolved_text
from tickets.events.incident import (
    incident_joined_event,
    incident_left_event,
    incident_merged_event,
    incident_note_event,
    incident_opened_event,
    incident_resolved_event,
)
from tickets.events.ticket import ticket_status_changed_event
from tickets.lifecycle import OPEN_STATUSES, Status
from tickets.models import Category, Incident, IncidentStatus, MessageKind, Ticket
from tickets.numbering import ticket_number_is_valid
from tickets.selectors import incidents_visible_q
from tickets.services.errors import ActionConflict, ActionForbidden, ObjectNotFound, TicketActionError
from tickets.services.locks import MAX_ID
from tickets.services.outbox import ReplyTextInvalid, outbox_queue_replies
from tickets.services.triage import category_code_for
from tickets.sla.targets import sla_targets_for

TITLE_MAX = 200
NOTE_MAX = 2000
# One request moves at most this many tickets (the API's bound too).
MAX_TICKETS_PER_CALL = 1000


def incident_scope_id(incident: Incident) -> int:
    """The department whose supervisors work the incident: its unit, else its department."""
    return incident.unit_id or incident.department_id


def incident_lock(*, actor: User, incident: Incident | int) -> Incident:
    """The incident as `actor` sees it, its row locked; ObjectNotFound when absent or invisible."""
    incident_id = incident.pk if isinstance(incident, Incident) else incident
    if not actor.is_authenticated or not actor.is_active or not 0 < int(incident_id) <= MAX_ID:
        raise ObjectNotFound(_("No such incident."))
    incidents = Incident.objects.filter(pk=incident_id)
    if not actor.is_superuser:
        incidents = incidents.filter(incidents_visible_q(actor))
    found = incidents.select_for_update().first()
    if found is None:
        raise ObjectNotFound(_("No such incident."))
    return found


def check_can_supervise_incident(*, actor: User, incident: Incident) -> None:
    if not user_has_role(user=actor, department_id=incident_scope_id(incident), roles=SUPERVISING_ROLES):
        raise ActionForbidden(_("Only a supervisor of this incident's department may do this."))


def _check_open(incident: Incident) -> None:
    if incident.status != IncidentStatus.OPEN:
        raise ActionConflict(
            "incident_not_open",
            format_lazy(_("The incident is {status}; this is only for open incidents."), status=incident.status),
        )


def _text(value: str, *, field: str, limit: int, required: bool, message) -> str:
    value = (value or "").strip()
    if required and not value:
        raise TicketActionError(f"{field}_required", message, {field: [message]})
    if len(value) > limit:
        too_long = format_lazy(_("At most {limit} characters."), limit=limit)
        raise TicketActionError("too_long", too_long, {field: [too_long]})
    return value


def _tickets_lock(*, actor: User, incident: Incident, references: Iterable[int | str]) -> list[Ticket]:
    """The tickets named (ids or numbers) that the actor can see, locked in id order; every one must
    exist, be open and belong to the incident's department (and unit, when it has one)."""
    references = list(references)
    if not references:
        message = _("Choose at least one ticket.")
        raise TicketActionError("tickets_required", message, {"tickets": [message]})
    if len(references) > MAX_TICKETS_PER_CALL:
        message = format_lazy(_("At most {count} tickets at once."), count=MAX_TICKETS_PER_CALL)
        raise TicketActionError("too_many_tickets", message, {"tickets": [message]})
    ids = {int(r) for r in references if isinstance(r, int) and 0 < r <= MAX_ID}
    named = {str(r).strip().upper() for r in references if not isinstance(r, int)}
    numbers = {n for n in named if ticket_number_is_valid(n)}
    tickets = list(
        Ticket.objects.visible_to(actor)
        .filter(Q(pk__in=ids) | Q(number__in=numbers))
        .select_related("reply_account")
        .order_by("id")
        .select_for_update(of=("self",))
    )
    if len(tickets) != len(ids) + len(named):
        message = _("Some of these tickets do not exist, or are not yours to see.")
        raise TicketActionError("unknown_tickets", message, {"tickets": [message]})
    wrong = [
        t.number
        for t in tickets
        if t.department_id != incident.department_id or (incident.unit_id and t.unit_id != incident.unit_id)
    ]
    if wrong:
        message = format_lazy(
            _("Not of this incident's department or unit: {numbers}."), numbers=", ".join(wrong[:10])
        )
        raise TicketActionError("ticket_out_of_incident_scope", message, {"tickets": [message]})
    closed = [t.number for t in tickets if t.status not in OPEN_STATUSES]
    if closed:
        message = format_lazy(_("Only open tickets join an incident: {numbers}."), numbers=", ".join(closed[:10]))
        raise ActionConflict("ticket_not_open", message)
    return tickets


def _join(*, tickets: Sequence[Ticket], incident: Incident, now: datetime) -> None:
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(incident=incident, updated_at=now)
    for ticket in tickets:
        ticket.incident = incident


@transaction.atomic
def incident_open(
    *,
    actor: User,
    department: Department,
    unit: Department | None,
    title: str,
    category: Category | str | None = None,
    ticket_ids: Iterable[int | str] = (),
) -> Incident:
    """A supervisor opens an incident by hand for their department (or one of its units), with the
    tickets they chose (ids or numbers), each getting INCIDENT_OPENED. Its category, if any, is a
    shared one or one of the department's ministry."""
    title = _text(title, field="title", limit=TITLE_MAX, required=True, message=_("Give the incident a title."))
    if unit is not None and unit.parent_id != department.pk:
        message = _("The unit is not one of this department's.")
        raise TicketActionError("unit_not_in_department", message, {"unit": [message]})
    scope_id = unit.pk if unit is not None else department.pk
    if not user_has_role(user=actor, department_id=scope_id, roles=SUPERVISING_ROLES):
        raise ActionForbidden(_("Only a supervisor of this department may open an incident."))
    category_id = category_code_for(category=category, department_id=department.pk)
    now = timezone.now()
    incident = Incident.objects.create(
        title=title, department=department, unit=unit, category_id=category_id, opened_by=actor, opened_at=now
    )
    ticket_ids = list(ticket_ids)
    tickets = _tickets_lock(actor=actor, incident=incident, references=ticket_ids) if ticket_ids else []
    _join(tickets=tickets, incident=incident, now=now)
    audit_events_append(
        [
            incident_opened_event(
                ticket_id=t.pk, actor_id=actor.pk, incident_id=incident.pk, title=title, by_detection=False
            )
            for t in tickets
        ]
    )
    return incident


@transaction.atomic
def incident_tickets_add(*, actor: User, incident: Incident | int, ticket_ids: Iterable[int | str]) -> list[Ticket]:
    """Put tickets into an open incident (from no incident, or from another one); INCIDENT_JOINED on each
    ticket that was not in it already. Returns the tickets that joined."""
    incident = incident_lock(actor=actor, incident=incident)
    check_can_supervise_incident(actor=actor, incident=incident)
    _check_open(incident)
    tickets = [
        t for t in _tickets_lock(actor=actor, incident=incident, references=ticket_ids) if t.incident_id != incident.pk
    ]
    _join(tickets=tickets, incident=incident, now=timezone.now())
    audit_events_append(
        [incident_joined_event(ticket_id=t.pk, actor_id=actor.pk, incident_id=incident.pk) for t in tickets]
    )
    return tickets


@transaction.atomic
def incident_tickets_remove(*, actor: User, incident: Incident | int, ticket_ids: Iterable[int | str]) -> list[Ticket]:
    """Take tickets out of an open incident (they are worked on their own again); INCIDENT_LEFT on
    each. Tickets named that are not in it change nothing. Returns the tickets that left."""
    incident = incident_lock(actor=actor, incident=incident)
    check_can_supervise_incident(actor=actor, incident=incident)
    _check_open(incident)
    references = list(ticket_ids)
    if not references:
        message = _("Choose at least one ticket.")
        raise TicketActionError("tickets_required", message, {"tickets": [message]})
    ids = [r for r in references if isinstance(r, int) and 0 < r <= MAX_ID]
    numbers = [str(r).strip().upper() for r in references if not isinstance(r, int)]
    tickets = list(
        incident.tickets.filter(Q(pk__in=ids) | Q(number__in=numbers))
        .order_by("id")
        .select_for_update(of=("self",))
        .only("id", "number", "incident_id")
    )
    now = timezone.now()
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(incident=None, updated_at=now)
    audit_events_append(
        [incident_left_event(ticket_id=t.pk, actor_id=actor.pk, incident_id=incident.pk) for t in tickets]
    )
    return tickets


@transaction.atomic
def incident_merge(*, actor: User, incident: Incident | int, into: Incident | int) -> Incident:
    """Merge an open incident into another open one of the same department: its tickets move there
    (INCIDENT_MERGED on each), it becomes "merged". Returns the incident merged into."""
    incident_id = incident.pk if isinstance(incident, Incident) else incident
    into_id = into.pk if isinstance(into, Incident) else into
    if int(incident_id) == int(into_id):
        message = _("An incident cannot be merged into itself.")
        raise TicketActionError("merge_into_itself", message, {"into": [message]})
    # Both rows locked in one statement, in id order, as every lock here is taken; the incident's
    # own right is checked before whether `into` exists is told.
    incidents = Incident.objects.filter(pk__in=[i for i in (int(incident_id), int(into_id)) if 0 < i <= MAX_ID])
    if not actor.is_superuser:
        incidents = incidents.filter(incidents_visible_q(actor))
    locked = {i.pk: i for i in incidents.order_by("id").select_for_update()}
    if int(incident_id) not in locked:
        raise ObjectNotFound(_("No such incident."))
    incident = locked[int(incident_id)]
    check_can_supervise_incident(actor=actor, incident=incident)
    if int(into_id) not in locked:
        message = _("No such incident.")
        raise TicketActionError("unknown_incident", message, {"into": [message]})
    into = locked[int(into_id)]
    check_can_supervise_incident(actor=actor, incident=into)
    _check_open(incident)
    _check_open(into)
    if incident.department_id != into.department_id or (into.unit_id and incident.unit_id != into.unit_id):
        message = _("Only an incident of the same department and unit can be merged into this one.")
        raise TicketActionError("merge_other_department", message, {"into": [message]})
    ticket_ids = list(incident.tickets.order_by("id").select_for_update(of=("self",)).values_list("id", flat=True))
    now = timezone.now()
    Ticket.objects.filter(pk__in=ticket_ids).update(incident=into, updated_at=now)
    incident.status, incident.merged_into = IncidentStatus.MERGED, into
    incident.save(update_fields=["status", "merged_into"])
    audit_events_append(
        [
            incident_merged_event(ticket_id=ticket_id, actor_id=actor.pk, incident_id=incident.pk, into_id=into.pk)
            for ticket_id in ticket_ids
        ]
    )
    return into


@transaction.atomic
def incident_note_set(*, actor: User, incident: Incident | int, note: str) -> Incident:
    """Write (or clear, with "") the public note each of its tickets' status pages shows; INCIDENT_NOTE
    on each ticket. Allowed while open or resolved (a correction), not on a merged incident."""
    incident = incident_lock(actor=actor, incident=incident)
    check_can_supervise_incident(actor=actor, incident=incident)
    if incident.status == IncidentStatus.MERGED:
        _check_open(incident)
    note = _text(note, field="note", limit=NOTE_MAX, required=False, message="")
    if note == incident.public_note:
        return incident
    incident.public_note = note
    incident.save(update_fields=["public_note"])
    ticket_ids = list(incident.tickets.order_by("id").values_list("id", flat=True))
    audit_events_append(
        [
            incident_note_event(ticket_id=ticket_id, actor_id=actor.pk, incident_id=incident.pk, note=note)
            for ticket_id in ticket_ids
        ]
    )
    return incident


def _citizen_key(ticket: Ticket) -> tuple:
    """One conversation of one citizen: a resolution is posted there once, however many tickets."""
    return (ticket.citizen_x_user_id or ticket.citizen_handle.casefold(), ticket.conversation_id)


def _sla_resume_all(tickets: Sequence[Ticket], *, at: datetime) -> set[str]:
    """ticket_sla_resume for many tickets: one query for their clocks; fields changed returned."""
    paused = [t for t in tickets if t.sla_paused_at is not None]
    if not paused:
        return set()
    targets = sla_targets_for({t.scope_department_id for t in paused})
    for ticket in paused:
        clock = targets[ticket.scope_department_id].clock
        spent = clock.business_time_between(ticket.sla_paused_at, at)
        if (
            ticket.first_responded_at is None
            and ticket.first_response_due_at
            and ticket.first_response_due_at > ticket.sla_paused_at
        ):
            ticket.first_response_due_at = clock.add_business_time(ticket.first_response_due_at, spent)
        if ticket.resolution_due_at and ticket.resolution_due_at > ticket.sla_paused_at:
            ticket.resolution_due_at = clock.add_business_time(ticket.resolution_due_at, spent)
        ticket.sla_paused_at = None
    return {"sla_paused_at", "first_response_due_at", "resolution_due_at"}


@transaction.atomic
def incident_resolve(*, actor: User, incident: Incident | int, note: str) -> Incident:
    """Resolve the incident and every open ticket in it with `note`.

    Each citizen conversation among its open tickets is posted the resolution once, through the
    outbox (kind INCIDENT_RESOLUTION, from the account that citizen mentioned: the ticket's
    reply_account; none: a manual reply), and each ticket is resolved as ticket_transition resolves it
    (resolution note, resolved_at, a paused SLA clock stopped) with its own STATUS_CHANGED event;
    every ticket of the incident gets INCIDENT_RESOLVED. A fixed number of statements, whatever
    the number of tickets."""
    incident = incident_lock(actor=actor, incident=incident)
    check_can_supervise_incident(actor=actor, incident=incident)
    _check_open(incident)
    note = _text(
        note, field="note", limit=NOTE_MAX, required=True, message=_("Resolving an incident needs a resolution note.")
    )
    now = timezone.now()
    tickets = list(incident.tickets.select_related("reply_account").order_by("id").select_for_update(of=("self",)))
    open_tickets = [t for t in tickets if t.status in OPEN_STATUSES]
    # The newest ticket of each citizen conversation carries the post; its siblings are resolved with it.
    posting: dict[tuple, Ticket] = {}
    for ticket in open_tickets:
        posting[_citizen_key(ticket)] = ticket
    try:
        messages = outbox_queue_replies(
            replies=[(t, resolved_text(number=t.number, note=note, language=t.language)) for t in posting.values()],
            kind=MessageKind.INCIDENT_RESOLUTION,
            sent_by=actor,
        )
    except ReplyTextInvalid as exc:
        raise ReplyTextInvalid(exc.message, field="note") from exc

    from_statuses = {t.pk: t.status for t in open_tickets}
    fields = {"status", "resolution_note", "resolved_at", "updated_at"} | _sla_resume_all(open_tickets, at=now)
    for ticket in open_tickets:
        ticket.status, ticket.resolution_note, ticket.resolved_at, ticket.updated_at = (
            Status.RESOLVED,
            note,
            now,
            now,
        )
    if open_tickets:
        Ticket.objects.bulk_update(open_tickets, sorted(fields), batch_size=len(open_tickets))
    incident.status, incident.resolution_note, incident.resolved_by, incident.resolved_at = (
        IncidentStatus.RESOLVED,
        note,
        actor,
        now,
    )
    incident.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at"])

    posted_by_key = {key: messages.get(t.pk, []) for key, t in posting.items()}
    events: list[EventDraft] = [
        ticket_status_changed_event(
            ticket_id=t.pk,
            actor_id=actor.pk,
            from_status=from_statuses[t.pk],
            to_status=Status.RESOLVED,
            note=note,
            reason="incident",
            citizen_told=posted_by_key[_citizen_key(t)],
        )
        for t in open_tickets
    ]
    events += [
        incident_resolved_event(ticket_id=t.pk, actor_id=actor.pk, incident_id=incident.pk, note=note) for t in tickets
    ]
    audit_events_append(events)
    return incident
