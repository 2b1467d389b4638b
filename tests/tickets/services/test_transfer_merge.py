"""tickets/services/transfer_merge.py: transferring a ticket to another department and merging duplicates."""

import pytest

from tests.factories import DepartmentFactory
from tests.factories.tickets import department, ticket_of
from tests.tickets.services.support import events_of, row
from tickets.lifecycle import Status
from tickets.models import (
    Direction,
    EventKind,
    TicketMessage,
)
from tickets.services import (
    ActionConflict,
    ObjectNotFound,
    TicketActionError,
    ticket_claim,
    ticket_merge,
    ticket_note,
    ticket_transfer,
)

pytestmark = pytest.mark.django_db


# --- transfer ------------------------------------------------------------------------------


def test_a_transfer_starts_the_ticket_again_in_the_other_department_and_tells_the_citizen(bsnl):
    ticket = ticket_of("BSNL", unit="BSNL_KL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"])
    ticket_transfer(
        actor=bsnl["officer"], number=ticket.number, department_code="posts", reason="A parcel, not a line."
    )
    ticket.refresh_from_db()
    assert (ticket.department.code, ticket.unit, ticket.status, ticket.assigned_to) == (
        "POSTS",
        None,
        Status.NEW,
        None,
    )
    [message] = TicketMessage.objects.filter(ticket=ticket, direction=Direction.OUT)
    assert "Department of Posts" in message.text
    assert ticket.number in message.text
    [event] = events_of(ticket)
    assert event.kind == EventKind.TRANSFERRED
    assert event.data | {"citizen_told": None} == {
        "from": "BSNL",
        "from_unit": "BSNL_KL",
        "to": "POSTS",
        "reason": "A parcel, not a line.",
        "previous_status": Status.IN_PROGRESS,
        "previous_assignee_id": bsnl["officer"].pk,
        "previous_escalation_level": 0,
        "citizen_told": None,
    }
    # Now it is the Department of Posts' ticket, and no longer BSNL's.
    ticket_claim(actor=bsnl["posts_officer"], number=ticket.number)
    with pytest.raises(ObjectNotFound):
        ticket_note(actor=bsnl["officer"], number=ticket.number, text="Still mine?")


@pytest.mark.parametrize(
    ("code", "reason"),
    [("NOPE", "x"), ("BSNL_KL", "x"), ("BSNL", "x"), ("POSTS", "  "), ("INACTIVE", "x")],
)
def test_a_transfer_needs_a_reason_and_another_active_department(bsnl, code, reason):
    DepartmentFactory(code="INACTIVE", parent=department("MOC"), is_active=False)
    ticket = ticket_of("BSNL")
    before = row(ticket)
    with pytest.raises(TicketActionError) as error:
        ticket_transfer(actor=bsnl["officer"], number=ticket.number, department_code=code, reason=reason)
    assert error.value.http_status == 400
    assert row(ticket) == before


def test_a_finished_ticket_is_not_transferred(bsnl):
    ticket = ticket_of("BSNL", status=Status.RESOLVED, assigned_to=bsnl["officer"])
    with pytest.raises(ActionConflict):
        ticket_transfer(actor=bsnl["officer"], number=ticket.number, department_code="POSTS", reason="x")


# --- merge ---------------------------------------------------------------------------------


def test_a_merge_makes_the_ticket_a_duplicate_and_both_get_an_event(bsnl):
    original = ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"])
    duplicate = ticket_of("BSNL")
    ticket_merge(actor=bsnl["officer"], number=duplicate.number, into_number=original.number.lower())
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into, duplicate.rejection_reason) == (
        Status.REJECTED,
        original,
        f"duplicate of {original.number}",
    )
    assert [(e.kind, e.data) for e in events_of(duplicate)] == [
        (EventKind.MERGED, {"into": original.number, "from": Status.NEW})
    ]
    assert [(e.kind, e.data) for e in events_of(original)] == [(EventKind.MERGED, {"merged": duplicate.number})]
    assert row(original)["status"] == Status.IN_PROGRESS


def test_a_merge_into_a_ticket_the_actor_cannot_see_is_bad_input(bsnl):
    duplicate = ticket_of("BSNL")
    elsewhere = ticket_of("POSTS")
    with pytest.raises(TicketActionError) as error:
        ticket_merge(actor=bsnl["officer"], number=duplicate.number, into_number=elsewhere.number)
    assert (error.value.http_status, list(error.value.fields)) == (400, ["into"])
    assert row(duplicate)["status"] == Status.NEW


def test_a_merge_into_itself_or_a_rejected_ticket_is_refused(bsnl):
    ticket = ticket_of("BSNL")
    rejected = ticket_of("BSNL", status=Status.REJECTED)
    with pytest.raises(TicketActionError):
        ticket_merge(actor=bsnl["officer"], number=ticket.number, into_number=ticket.number)
    with pytest.raises(ActionConflict):
        ticket_merge(actor=bsnl["officer"], number=ticket.number, into_number=rejected.number)


def test_a_resolved_ticket_cannot_be_merged(bsnl):
    resolved = ticket_of("BSNL", status=Status.RESOLVED, assigned_to=bsnl["officer"])
    with pytest.raises(ActionConflict):
        ticket_merge(actor=bsnl["officer"], number=resolved.number, into_number=ticket_of("BSNL").number)
