"""tickets/services/permissions.py: who may change a ticket, checked on its unit, else its department;
auditors read but never work."""

import pytest

from departments.models import Role
from tests.factories import MembershipFactory
from tests.factories.tickets import department, staff, ticket_of
from tests.tickets.services.support import ALLOWED, events_of, in_status, note_for, row
from tickets.lifecycle import Status
from tickets.services import (
    ActionForbidden,
    ticket_assign,
    ticket_claim,
    ticket_merge,
    ticket_note,
    ticket_reply,
    ticket_transfer,
    ticket_transition,
)

pytestmark = pytest.mark.django_db


def test_an_officer_of_a_unit_claims_its_tickets(seeded):
    kerala = staff("BSNL_KL")
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    ticket_claim(actor=kerala, number=ticket.number)
    assert row(ticket)["assigned_to_id"] == kerala.pk


@pytest.mark.parametrize("who", ["auditor", "ministry_auditor"])
def test_auditors_may_not_claim(bsnl, who):
    ticket = ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_claim(actor=bsnl[who], number=ticket.number)
    assert row(ticket)["assigned_to_id"] is None


@pytest.mark.parametrize("who", ["officer", "auditor", "ministry_auditor"])
def test_only_supervisors_assign(bsnl, who):
    ticket = ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_assign(actor=bsnl[who], number=ticket.number, assignee=bsnl["officer"])


@pytest.mark.parametrize(("from_status", "to"), ALLOWED)
@pytest.mark.parametrize("role", ["auditor", "ministry_auditor"])
def test_auditors_may_make_no_transition(bsnl, from_status, to, role):
    ticket = in_status(from_status, owner=bsnl["officer"])
    before = row(ticket)
    with pytest.raises(ActionForbidden):
        ticket_transition(actor=bsnl[role], number=ticket.number, to=to, note=note_for(to))
    assert row(ticket) == before


def test_auditors_may_not_reply_or_note(bsnl):
    ticket = ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_reply(actor=bsnl["auditor"], number=ticket.number, text="Hello")
    with pytest.raises(ActionForbidden):
        ticket_note(actor=bsnl["ministry_auditor"], number=ticket.number, text="Hello")
    assert events_of(ticket) == []


@pytest.mark.parametrize("who", ["auditor", "ministry_auditor"])
def test_auditors_may_not_transfer(bsnl, who):
    ticket = ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_transfer(actor=bsnl[who], number=ticket.number, department_code="POSTS", reason="x")


def test_a_merge_into_a_ticket_the_actor_may_only_read_is_forbidden(seeded):
    """An officer of the Kerala circle who audits all of BSNL sees BSNL's tickets but works only
    Kerala's: they may not make a BSNL ticket the survivor of a merge."""
    officer = staff("BSNL_KL", Role.OFFICER, username="kl_officer_bsnl_auditor")
    MembershipFactory(user=officer, department=department("BSNL"), role=Role.AUDITOR)
    duplicate = ticket_of("BSNL", unit="BSNL_KL")
    read_only = ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_merge(actor=officer, number=duplicate.number, into_number=read_only.number)
    assert row(duplicate)["status"] == Status.NEW
    assert not events_of(read_only)
