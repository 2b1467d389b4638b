"""tickets/services/assignment.py: auto-assignment to the least loaded officer on duty (also
under concurrency) and "take next"."""

import threading
from collections import Counter

import pytest
from django.db import connection

from departments.models import Membership, Role
from tests.factories import DepartmentFactory, MembershipFactory
from tests.factories.tickets import TicketFactory, department, staff, ticket_of
from tests.tickets.services.support import row
from tickets.audit import ChainBreak, audit_chain_verify
from tickets.lifecycle import Priority, Status
from tickets.models import (
    AuditEvent,
    EventKind,
    Ticket,
)
from tickets.services import (
    ActionForbidden,
    ticket_auto_assign,
    ticket_take_next,
)

pytestmark = pytest.mark.django_db


# --- auto-assignment -----------------------------------------------------------------------


def test_auto_assignment_gives_each_ticket_to_the_least_loaded_officer_on_duty(bsnl):
    bsnl_dept = department("BSNL")
    busy, idle, off_duty = staff("BSNL"), staff("BSNL"), staff("BSNL")
    Membership.objects.filter(user=off_duty).update(on_duty=False)
    Membership.objects.filter(user=bsnl["officer"]).update(on_duty=False)
    for _ in range(3):
        ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=busy)
    waiting = [ticket_of("BSNL") for _ in range(5)]
    ticket_of("POSTS")  # another department's is not touched

    assert ticket_auto_assign(department_id=bsnl_dept.pk, limit=100) == 5
    owners = Counter(Ticket.objects.filter(pk__in=[t.pk for t in waiting]).values_list("assigned_to_id", flat=True))
    assert owners == {idle.pk: 4, busy.pk: 1}  # 3 + 1 = 0 + 4
    assert AuditEvent.objects.filter(kind=EventKind.ASSIGNED, data__how="auto").count() == 5
    assert ticket_auto_assign(department_id=bsnl_dept.pk, limit=100) == 0


def test_auto_assignment_takes_the_most_urgent_first_and_respects_the_limit(bsnl):
    low = ticket_of("POSTS", priority=Priority.P4)
    urgent = ticket_of("POSTS", priority=Priority.P1)
    assert ticket_auto_assign(department_id=department("POSTS").pk, limit=1) == 1
    assert row(urgent)["assigned_to_id"] == bsnl["posts_officer"].pk
    assert row(low)["assigned_to_id"] is None


def test_auto_assignment_of_a_unit_uses_the_units_officers(seeded):
    kerala = staff("BSNL_KL")
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    ticket_of("BSNL", unit="BSNL_MH")
    assert ticket_auto_assign(unit_id=department("BSNL_KL").pk, limit=10) == 1
    assert row(ticket)["assigned_to_id"] == kerala.pk


def test_auto_assignment_needs_one_scope():
    with pytest.raises(ValueError, match="exactly one"):
        ticket_auto_assign(limit=1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_assigners_give_every_ticket_to_exactly_one_officer():
    """8 assigners at once over 1,000 tickets: none assigned twice, none left over."""
    dept = DepartmentFactory(code="LOAD")
    officers = [MembershipFactory(department=dept, role=Role.OFFICER).user for _ in range(8)]
    tickets = TicketFactory.build_batch(1000, department=dept, reply_account=None)
    Ticket.objects.bulk_create(tickets)
    start, errors = threading.Barrier(8), []

    def assign() -> None:
        try:
            start.wait()
            while ticket_auto_assign(department_id=dept.pk, limit=25):
                pass
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert not Ticket.objects.filter(department=dept, assigned_to__isnull=True).exists()
    assert set(Ticket.objects.filter(department=dept).values_list("assigned_to_id", flat=True)) <= {
        officer.pk for officer in officers
    }
    assigned_events = Counter(AuditEvent.objects.filter(kind=EventKind.ASSIGNED).values_list("ticket_id", flat=True))
    assert len(assigned_events) == 1000
    assert set(assigned_events.values()) == {1}
    assert not any(isinstance(step, ChainBreak) for step in audit_chain_verify())


# --- take next -----------------------------------------------------------------------------


def test_take_next_gives_the_most_urgent_oldest_unassigned_ticket_in_scope(bsnl):
    ticket_of("POSTS", priority=Priority.P1)
    older = ticket_of("BSNL", priority=Priority.P2)
    ticket_of("BSNL", priority=Priority.P2)
    ticket_of("BSNL", priority=Priority.P3)
    taken = ticket_take_next(officer=bsnl["officer"])
    assert taken == older
    assert (row(older)["status"], row(older)["assigned_to_id"]) == (Status.ASSIGNED, bsnl["officer"].pk)


def test_take_next_with_nothing_waiting_is_none(bsnl):
    ticket_of("BSNL", status=Status.ASSIGNED, assigned_to=bsnl["supervisor"])
    assert ticket_take_next(officer=bsnl["officer"]) is None


def test_auditors_take_nothing(bsnl):
    ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_take_next(officer=bsnl["ministry_auditor"])
