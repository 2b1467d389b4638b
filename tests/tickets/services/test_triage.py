"""Changing a ticket's priority and category by hand: who may, what it moves, what it records."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories.tickets import ticket_of
from tickets.lifecycle import Status
from tickets.models import AuditEvent, EventKind
from tickets.services import ActionForbidden, ObjectNotFound, TicketActionError, ticket_triage_change
from tickets.sla.targets import sla_due_times, sla_targets_for

pytestmark = pytest.mark.django_db


def p3_ticket(**fields):
    """A BSNL ticket opened a while ago with the due times intake gave it as P3."""
    created = timezone.now() - timedelta(hours=2)
    ticket = ticket_of("BSNL", created_at=created, **fields)
    first, resolution = sla_due_times(department_id=ticket.department_id, priority="p3", start=created)
    ticket.first_response_due_at, ticket.resolution_due_at = first, resolution
    ticket.category_id, ticket.triage_reason = None, ""
    ticket.save(update_fields=["first_response_due_at", "resolution_due_at", "category", "triage_reason"])
    return ticket


def test_raising_to_p1_moves_the_due_times_to_p1s_targets_from_creation(bsnl):
    ticket = p3_ticket()
    changed = ticket_triage_change(
        actor=bsnl["officer"], ticket=ticket.number, priority="p1", category="money_deducted", reason="Money taken"
    )
    expected = sla_due_times(department_id=ticket.department_id, priority="p1", start=ticket.created_at)
    changed.refresh_from_db()
    assert (changed.first_response_due_at, changed.resolution_due_at) == expected
    assert changed.resolution_due_at < ticket.resolution_due_at
    assert (changed.priority, changed.category_id, changed.triage_reason, changed.triage_rule_id) == (
        "p1",
        "money_deducted",
        "Money taken",
        None,
    )


def test_the_change_is_one_audit_event_with_from_and_to(bsnl):
    ticket = p3_ticket()
    ticket_triage_change(
        actor=bsnl["supervisor"], ticket=ticket, priority="p4", category="praise_info", reason="Thanks"
    )
    event = AuditEvent.objects.get(ticket=ticket, kind=EventKind.TRIAGE_CHANGED)
    assert event.actor == bsnl["supervisor"]
    assert event.data == {
        "from_priority": "p3",
        "to_priority": "p4",
        "from_category": None,
        "to_category": "praise_info",
        "reason": "Thanks",
    }


def test_time_the_clock_was_paused_is_kept(bsnl):
    ticket = p3_ticket()
    # As if the ticket had waited 60 business minutes on the citizen: its due times are that much later.
    clock = sla_targets_for([ticket.department_id])[ticket.department_id].clock
    ticket.resolution_due_at = clock.add_business_time(ticket.resolution_due_at, timedelta(minutes=60))
    ticket.save(update_fields=["resolution_due_at"])
    changed = ticket_triage_change(actor=bsnl["officer"], ticket=ticket, priority="p2", category="other", reason="x")
    _, p2_due = sla_due_times(department_id=ticket.department_id, priority="p2", start=ticket.created_at)
    assert changed.resolution_due_at == clock.add_business_time(p2_due, timedelta(minutes=60))


def test_a_given_first_response_keeps_its_due_time(bsnl):
    ticket = p3_ticket()
    ticket.first_responded_at = timezone.now()
    ticket.save(update_fields=["first_responded_at"])
    changed = ticket_triage_change(actor=bsnl["officer"], ticket=ticket, priority="p1", category="other", reason="x")
    assert changed.first_response_due_at == ticket.first_response_due_at


def test_a_category_change_alone_keeps_the_due_times(bsnl):
    ticket = p3_ticket()
    changed = ticket_triage_change(actor=bsnl["officer"], ticket=ticket, priority="p3", category="billing", reason="x")
    assert (changed.category_id, changed.resolution_due_at) == ("billing", ticket.resolution_due_at)


def test_other_is_no_category(bsnl):
    ticket = p3_ticket()
    ticket_triage_change(actor=bsnl["officer"], ticket=ticket, priority="p3", category="billing", reason="x")
    changed = ticket_triage_change(actor=bsnl["officer"], ticket=ticket, priority="p3", category="other", reason="y")
    assert changed.category_id is None


def test_changing_nothing_records_nothing(bsnl):
    ticket = p3_ticket()
    ticket_triage_change(actor=bsnl["officer"], ticket=ticket, priority="p3", category="other", reason="same")
    assert not AuditEvent.objects.filter(ticket=ticket, kind=EventKind.TRIAGE_CHANGED).exists()


def test_a_reason_is_required(bsnl):
    ticket = p3_ticket()
    with pytest.raises(TicketActionError) as error:
        ticket_triage_change(actor=bsnl["officer"], ticket=ticket, priority="p1", category="other", reason="  ")
    assert set(error.value.fields) == {"reason"}


def test_an_unknown_category_is_refused(bsnl):
    with pytest.raises(TicketActionError) as error:
        ticket_triage_change(actor=bsnl["officer"], ticket=p3_ticket(), priority="p1", category="nope", reason="x")
    assert set(error.value.fields) == {"category"}


def test_an_auditor_may_not(bsnl):
    with pytest.raises(ActionForbidden):
        ticket_triage_change(actor=bsnl["auditor"], ticket=p3_ticket(), priority="p1", category="other", reason="x")


def test_another_departments_officer_does_not_see_the_ticket(bsnl):
    with pytest.raises(ObjectNotFound):
        ticket_triage_change(
            actor=bsnl["posts_officer"], ticket=p3_ticket(), priority="p1", category="other", reason="x"
        )


def test_a_resolved_ticket_gets_its_category_but_keeps_its_due_times(bsnl):
    ticket = p3_ticket(status=Status.RESOLVED)
    changed = ticket_triage_change(actor=bsnl["officer"], ticket=ticket, priority="p1", category="billing", reason="x")
    assert (changed.priority, changed.resolution_due_at) == ("p1", ticket.resolution_due_at)
