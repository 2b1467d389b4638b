"""Supervisors working incidents: open, add, remove, merge, note, resolve; and who may."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.tickets import department, ticket_of
from tickets.lifecycle import Status
from tickets.models import AuditEvent, Delivery, EventKind, IncidentStatus, MessageKind, Ticket, TicketMessage
from tickets.services.errors import ActionConflict, ActionForbidden, ObjectNotFound, TicketActionError
from tickets.services.incidents import (
    incident_merge,
    incident_note_set,
    incident_open,
    incident_resolve,
    incident_tickets_add,
    incident_tickets_remove,
)


def kinds_on(ticket: Ticket) -> list[str]:
    return list(
        AuditEvent.objects.filter(ticket=ticket).exclude(kind=EventKind.CREATED).values_list("kind", flat=True)
    )


def pune_tickets(n: int, **fields) -> list[Ticket]:
    return [ticket_of("BSNL", unit="BSNL_MH", subject="No network in Pune", **fields) for _ in range(n)]


def opened(bsnl, tickets, **kwargs):
    return incident_open(
        actor=bsnl["supervisor"],
        department=department("BSNL"),
        unit=department("BSNL_MH"),
        title="Pune · no signal",
        ticket_ids=[t.pk for t in tickets],
        **kwargs,
    )


def test_a_supervisor_opens_an_incident_with_tickets(bsnl):
    tickets = pune_tickets(3)
    incident = opened(bsnl, tickets)
    assert incident.opened_by == bsnl["supervisor"]
    assert set(incident.tickets.values_list("id", flat=True)) == {t.pk for t in tickets}
    assert all(kinds_on(t) == [EventKind.INCIDENT_OPENED] for t in tickets)


def test_tickets_of_another_unit_cannot_join(bsnl):
    kerala = ticket_of("BSNL", unit="BSNL_KL")
    with pytest.raises(TicketActionError) as caught:
        opened(bsnl, [kerala])
    assert caught.value.code == "ticket_out_of_incident_scope"


def test_add_and_remove_write_one_event_per_ticket(bsnl):
    incident = opened(bsnl, pune_tickets(1))
    more = pune_tickets(2)
    incident_tickets_add(actor=bsnl["supervisor"], incident=incident, ticket_ids=[t.number for t in more])
    assert incident.tickets.count() == 3
    left = incident_tickets_remove(actor=bsnl["supervisor"], incident=incident.pk, ticket_ids=[more[0].pk])
    assert [t.pk for t in left] == [more[0].pk]
    assert kinds_on(more[0]) == [EventKind.INCIDENT_JOINED, EventKind.INCIDENT_LEFT]
    assert Ticket.objects.get(pk=more[0].pk).incident_id is None


def test_merge_moves_the_tickets(bsnl):
    a, b = pune_tickets(2), pune_tickets(3)
    first, second = opened(bsnl, a), opened(bsnl, b)
    incident_merge(actor=bsnl["supervisor"], incident=first, into=second)
    first.refresh_from_db()
    assert (first.status, first.merged_into_id) == (IncidentStatus.MERGED, second.pk)
    assert second.tickets.count() == 5
    assert kinds_on(a[0]) == [EventKind.INCIDENT_OPENED, EventKind.INCIDENT_MERGED]
    with pytest.raises(ActionConflict):
        incident_tickets_add(actor=bsnl["supervisor"], incident=first, ticket_ids=[pune_tickets(1)[0].pk])


def test_the_public_note_is_written_on_each_ticket(bsnl):
    tickets = pune_tickets(2)
    incident = opened(bsnl, tickets)
    incident_note_set(actor=bsnl["supervisor"], incident=incident, note="Fibre cut at Kothrud; repair by 6 pm.")
    incident.refresh_from_db()
    assert incident.public_note == "Fibre cut at Kothrud; repair by 6 pm."
    assert kinds_on(tickets[1]) == [EventKind.INCIDENT_OPENED, EventKind.INCIDENT_NOTE]


def test_resolving_posts_one_resolution_per_citizen_and_resolves_every_ticket(bsnl):
    tickets = pune_tickets(4)
    # One citizen's second ticket in the same conversation: one post for the two.
    twin = ticket_of(
        "BSNL",
        unit="BSNL_MH",
        citizen_x_user_id=tickets[0].citizen_x_user_id,
        conversation_id=tickets[0].conversation_id,
        opening_tweet_id=tickets[0].conversation_id + 10,
    )
    waiting = ticket_of("BSNL", unit="BSNL_MH", status=Status.AWAITING_CITIZEN, assigned_to=bsnl["officer"])
    incident = opened(bsnl, [*tickets, twin, waiting])

    incident_resolve(actor=bsnl["supervisor"], incident=incident, note="The fibre is repaired.")

    incident.refresh_from_db()
    assert (incident.status, incident.resolved_by) == (IncidentStatus.RESOLVED, bsnl["supervisor"])
    assert set(incident.tickets.values_list("status", flat=True)) == {Status.RESOLVED}
    posts = TicketMessage.objects.filter(kind=MessageKind.INCIDENT_RESOLUTION)
    assert posts.count() == 5  # six tickets, five citizen conversations
    citizens = set(posts.values_list("ticket__citizen_x_user_id", "ticket__conversation_id"))
    assert len(citizens) == 5
    post = posts.get(ticket=tickets[1])
    assert post.delivery == Delivery.QUEUED
    assert post.from_account == tickets[1].reply_account
    assert post.in_reply_to_tweet_id == tickets[1].opening_tweet_id
    assert "The fibre is repaired." in post.text
    assert Ticket.objects.get(pk=waiting.pk).sla_paused_at is None
    assert kinds_on(tickets[2]) == [EventKind.INCIDENT_OPENED, EventKind.STATUS_CHANGED, EventKind.INCIDENT_RESOLVED]


def test_resolving_500_tickets_costs_what_resolving_5_does(bsnl):
    def run(n):
        incident = opened(bsnl, pune_tickets(n))
        with CaptureQueriesContext(connection) as captured:
            incident_resolve(actor=bsnl["supervisor"], incident=incident, note="Repaired.")
        return len(captured.captured_queries)

    assert run(5) == run(500)


def test_resolving_needs_a_note(bsnl):
    incident = opened(bsnl, pune_tickets(1))
    with pytest.raises(TicketActionError) as caught:
        incident_resolve(actor=bsnl["supervisor"], incident=incident, note="  ")
    assert caught.value.fields == {"note": [caught.value.message]}


def test_an_officer_cannot_resolve_nor_open(bsnl):
    incident = opened(bsnl, pune_tickets(1))
    with pytest.raises(ActionForbidden):
        incident_resolve(actor=bsnl["officer"], incident=incident, note="Fixed.")
    with pytest.raises(ActionForbidden):
        incident_open(actor=bsnl["officer"], department=department("BSNL"), unit=None, title="x")
    assert Ticket.objects.filter(status=Status.RESOLVED).count() == 0


def test_another_departments_staff_do_not_find_it(bsnl):
    incident = opened(bsnl, pune_tickets(1))
    with pytest.raises(ObjectNotFound):
        incident_resolve(actor=bsnl["posts_officer"], incident=incident, note="Fixed.")
    with pytest.raises(ObjectNotFound):
        incident_note_set(actor=bsnl["posts_officer"], incident=incident.pk, note="x")


def test_a_department_admin_may_resolve(bsnl):
    incident = opened(bsnl, pune_tickets(1))
    incident_resolve(actor=bsnl["department_admin"], incident=incident, note="Fixed.")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
