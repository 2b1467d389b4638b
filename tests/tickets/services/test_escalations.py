"""tickets/services/escalations.py: escalations_raise, the one writer of escalations (SLA breaches
and appeals alike), and a supervisor acknowledging one."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import DepartmentFactory
from tests.factories.tickets import TicketFactory, department, ticket_of
from tests.tickets.services.support import events_of
from tickets.models import AuditEvent, Escalation, EventKind, Ticket
from tickets.services import ActionConflict, ActionForbidden, ObjectNotFound, escalation_acknowledge
from tickets.services.escalations import DueEscalations, EscalationDraft, escalations_raise

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata"))


@pytest.fixture
def ministry(db):
    return DepartmentFactory(code="MIN")


def appeal(ticket, department) -> EscalationDraft:
    return EscalationDraft(ticket_id=ticket.id, reason=Escalation.Reason.APPEAL, notify_department_id=department.id)


def test_an_appeal_goes_one_level_above_the_ticket_and_raises_its_level(ministry):
    ticket = TicketFactory(escalation_level=1)
    raised = escalations_raise(due=DueEscalations.of([appeal(ticket, ministry)]), now=NOW)

    assert [(e.ticket_id, e.level, e.reason, e.notify_department_code) for e in raised] == [
        (ticket.id, 2, "appeal", "MIN")
    ]
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    stored = ticket.escalations.get()
    assert (stored.level, stored.reason, stored.notify_department, stored.raised_at) == (2, "appeal", ministry, NOW)
    event = AuditEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATED)
    assert event.data == {
        "escalation_id": stored.id,
        "level": 2,
        "reason": "appeal",
        "notify_department": "MIN",
        "target_due_at": None,
    }


def test_an_appeal_at_the_top_level_stays_there(ministry):
    ticket = TicketFactory(escalation_level=3)
    assert [e.level for e in escalations_raise(due=DueEscalations.of([appeal(ticket, ministry)]), now=NOW)] == [3]


def test_a_draft_raised_before_is_skipped_and_a_level_never_falls(ministry):
    ticket = TicketFactory()
    draft = EscalationDraft(
        ticket_id=ticket.id, reason=Escalation.Reason.SLA, notify_department_id=ministry.id, level=2, target_due_at=NOW
    )
    assert len(escalations_raise(due=DueEscalations.of([draft]), now=NOW)) == 1
    assert escalations_raise(due=DueEscalations.of([draft]), now=NOW) == []
    lower = EscalationDraft(
        ticket_id=ticket.id, reason=Escalation.Reason.SLA, notify_department_id=ministry.id, level=1
    )
    assert [e.level for e in escalations_raise(due=DueEscalations.of([lower]), now=NOW)] == [1]
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    assert AuditEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED).count() == 2


@pytest.mark.parametrize("count", [1, 12])
def test_raising_takes_the_same_statements_however_many(ministry, count, django_assert_num_queries):
    tickets = TicketFactory.create_batch(count)
    # One for the escalations and levels, two for the audit chain's head around the events' COPY.
    with django_assert_num_queries(3):
        raised = escalations_raise(due=DueEscalations.of([appeal(ticket, ministry) for ticket in tickets]), now=NOW)
    assert len(raised) == count


# --- acknowledging -------------------------------------------------------------------------


def escalation(ticket: Ticket, *, level=Escalation.Level.L2, notify="BSNL") -> Escalation:
    return Escalation.objects.create(ticket=ticket, level=level, notify_department=department(notify))


@pytest.mark.parametrize("role", ["supervisor", "department_admin"])
def test_a_supervisor_acknowledges_an_escalation(bsnl, role):
    raised = escalation(ticket_of("BSNL"))
    escalation_acknowledge(actor=bsnl[role], escalation_id=raised.pk)
    raised.refresh_from_db()
    assert (raised.acknowledged_by, raised.acknowledged_at is not None) == (bsnl[role], True)
    [event] = events_of(raised.ticket)
    assert (event.kind, event.data["escalation_id"]) == (EventKind.ESCALATION_ACKNOWLEDGED, raised.pk)
    with pytest.raises(ActionConflict):
        escalation_acknowledge(actor=bsnl[role], escalation_id=raised.pk)


@pytest.mark.parametrize("who", ["officer", "auditor", "ministry_auditor"])
def test_only_supervisors_acknowledge(bsnl, who):
    raised = escalation(ticket_of("BSNL"))
    with pytest.raises(ActionForbidden):
        escalation_acknowledge(actor=bsnl[who], escalation_id=raised.pk)


def test_a_ministry_escalation_is_not_a_departments_to_acknowledge(bsnl):
    raised = escalation(ticket_of("BSNL"), level=Escalation.Level.L3, notify="MOC")
    with pytest.raises(ObjectNotFound):
        escalation_acknowledge(actor=bsnl["supervisor"], escalation_id=raised.pk)
    with pytest.raises(ObjectNotFound):
        escalation_acknowledge(actor=bsnl["supervisor"], escalation_id=2**70)
