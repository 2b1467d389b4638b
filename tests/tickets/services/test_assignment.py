"""tickets/services/assignment.py: auto-assignment to the least loaded officer on duty (also
under concurrency) and "take next"."""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from departments.models import AssignmentMode, Department, Membership, Role
from tests.factories import DepartmentFactory, MembershipFactory
from tests.factories.tickets import TicketFactory, department, staff, ticket_of
from tests.tickets.services.support import row
from tickets.audit import ChainBreak, audit_chain_verify
from tickets.lifecycle import Priority, Status
from tickets.models import AuditEvent, EventKind, Incident, Ticket
from tickets.services import ActionForbidden, assignment, ticket_auto_assign, ticket_take_next
from tickets.services.assignment import tickets_auto_assign
from tickets.services.intake import InboundTweet, IntakeBatch, NewTicket, intake_apply
from tickets.tasks import auto_assign_task

pytestmark = pytest.mark.django_db


# --- auto-assignment -----------------------------------------------------------------------


def auto(code: str, *, cap: int | None = None) -> Department:
    """Make the seeded department or unit `code` assign automatically (with its own cap, if given)."""
    Department.objects.filter(code=code).update(assignment_mode=AssignmentMode.AUTO, max_open_per_officer=cap)
    return department(code)


def test_auto_assignment_gives_each_ticket_to_the_least_loaded_officer_on_duty(bsnl):
    bsnl_dept = auto("BSNL")
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
    assert ticket_auto_assign(department_id=auto("POSTS").pk, limit=1) == 1
    assert row(urgent)["assigned_to_id"] == bsnl["posts_officer"].pk
    assert row(low)["assigned_to_id"] is None


def test_a_units_tickets_go_to_the_units_officers_and_a_departments_to_its_own(seeded):
    auto("BSNL")  # the units inherit it
    kerala, national = staff("BSNL_KL"), staff("BSNL")
    Membership.objects.filter(department__code="BSNL", role=Role.OFFICER).exclude(user=national).update(on_duty=False)
    kerala_ticket = ticket_of("BSNL", unit="BSNL_KL")
    national_ticket = ticket_of("BSNL")
    assert ticket_auto_assign(department_id=department("BSNL_KL").pk) == 1
    assert ticket_auto_assign(department_id=department("BSNL").pk) == 1
    assert row(kerala_ticket)["assigned_to_id"] == kerala.pk
    assert row(national_ticket)["assigned_to_id"] == national.pk


@pytest.mark.parametrize(
    ("department_mode", "unit_mode", "assigned"),
    [
        (AssignmentMode.INHERIT, AssignmentMode.INHERIT, False),  # up to the root, which is manual
        (AssignmentMode.AUTO, AssignmentMode.INHERIT, True),
        (AssignmentMode.AUTO, AssignmentMode.MANUAL, False),
        (AssignmentMode.MANUAL, AssignmentMode.AUTO, True),
    ],
)
def test_the_mode_is_the_units_or_the_nearest_one_above_it(seeded, department_mode, unit_mode, assigned):
    Department.objects.filter(code="BSNL").update(assignment_mode=department_mode)
    Department.objects.filter(code="BSNL_KL").update(assignment_mode=unit_mode)
    staff("BSNL_KL")
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    assert tickets_auto_assign() == int(assigned)
    assert (row(ticket)["assigned_to_id"] is not None) is assigned


def test_no_officer_gets_more_than_the_cap_of_open_tickets(seeded, settings):
    settings.SEVA_MAX_OPEN_PER_OFFICER = 3
    auto("BSNL_KL")
    busy, free = staff("BSNL_KL"), staff("BSNL_KL")
    ticket_of("POSTS", status=Status.IN_PROGRESS, assigned_to=busy)  # open tickets count wherever they are
    ticket_of("BSNL", unit="BSNL_KL", status=Status.RESOLVED, assigned_to=busy)  # closed ones do not
    for _ in range(8):
        ticket_of("BSNL", unit="BSNL_KL")
    assert tickets_auto_assign() == 5
    loads = Counter(Ticket.objects.filter(status=Status.ASSIGNED).values_list("assigned_to_id", flat=True))
    assert loads == {busy.pk: 2, free.pk: 3}
    assert Ticket.objects.filter(unit__code="BSNL_KL", assigned_to__isnull=True).count() == 3


def test_the_cap_is_the_nearest_one_set_above(seeded, settings):
    settings.SEVA_MAX_OPEN_PER_OFFICER = 50
    auto("BSNL", cap=2)
    officer = staff("BSNL_KL")
    for _ in range(4):
        ticket_of("BSNL", unit="BSNL_KL")
    assert tickets_auto_assign() == 2
    assert Ticket.objects.filter(assigned_to=officer).count() == 2


def test_an_incidents_tickets_are_not_assigned_one_by_one(seeded):
    auto("BSNL_KL")
    staff("BSNL_KL")
    incident = Incident.objects.create(title="Kochi outage", department=department("BSNL"), unit=department("BSNL_KL"))
    in_incident = ticket_of("BSNL", unit="BSNL_KL", incident=incident)
    alone = ticket_of("BSNL", unit="BSNL_KL")
    assert tickets_auto_assign() == 1
    assert row(in_incident)["assigned_to_id"] is None
    assert row(alone)["assigned_to_id"] is not None


def test_officers_off_duty_or_inactive_get_nothing(seeded):
    auto("BSNL_KL")
    off_duty = staff("BSNL_KL")
    staff("BSNL_KL", is_active=False)
    Membership.objects.filter(user=off_duty).update(on_duty=False)
    tickets = [ticket_of("BSNL", unit="BSNL_KL") for _ in range(2)]
    assert tickets_auto_assign() == 0
    Membership.objects.filter(user=off_duty).update(on_duty=True)
    assert tickets_auto_assign() == 2
    assert {row(ticket)["assigned_to_id"] for ticket in tickets} == {off_duty.pk}


def test_the_beat_task_assigns_the_tickets_still_waiting(seeded):
    auto("BSNL_KL")
    officer = staff("BSNL_KL")
    waiting = [ticket_of("BSNL", unit="BSNL_KL") for _ in range(3)]
    ticket_of("MTNL")  # manual: stays for the officers to claim
    assert auto_assign_task() == 3
    assert {row(t)["assigned_to_id"] for t in waiting} == {officer.pk}
    assert Ticket.objects.filter(department__code="MTNL", assigned_to__isnull=True).count() == 1
    assert auto_assign_task() == 0


def test_intake_kicks_automatic_assignment_for_its_new_tickets_departments(
    seeded, monkeypatch, django_capture_on_commit_callbacks
):
    auto("BSNL_KL")
    officer = staff("BSNL_KL")
    kicked = []
    monkeypatch.setattr(assignment, "_auto_assign_enqueue", kicked.append)
    kerala, mtnl = department("BSNL_KL"), department("MTNL")
    batch = IntakeBatch(
        new_tickets=[
            NewTicket(
                department=department("BSNL"),
                unit_id=kerala.pk,
                conversation_id=1_900_000_000_000_000_001,
                opening=InboundTweet(1_900_000_000_000_000_001, "no signal #BSNLSeva", 31, "asha", timezone.now()),
                route={"by": "hashtag", "value": "BSNLSeva"},
                reply_account_id=None,
            ),
            NewTicket(
                department=mtnl,
                unit_id=None,
                conversation_id=1_900_000_000_000_000_002,
                opening=InboundTweet(1_900_000_000_000_000_002, "landline dead", 32, "ravi", timezone.now()),
                route={"by": "hashtag", "value": "MTNLSeva"},
                reply_account_id=None,
            ),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        intake_apply(batch=batch)
    assert kicked == [sorted([kerala.pk, mtnl.pk])]

    assert auto_assign_task(kicked[0]) == 1  # what the worker runs: MTNL is manual
    assert Ticket.objects.get(unit=kerala).assigned_to == officer


@pytest.mark.django_db(transaction=True)
def test_concurrent_assigners_give_every_ticket_to_exactly_one_officer_within_the_cap(settings):
    """8 assigners at once, each with its own connection, over 1,000 tickets of one department whose
    12 officers may hold 90 each (one already holds 30): every ticket to exactly one officer, the
    cap never passed."""
    settings.SEVA_MAX_OPEN_PER_OFFICER = 90
    dept = DepartmentFactory(code="LOAD", assignment_mode=AssignmentMode.AUTO)
    officers = [MembershipFactory(department=dept, role=Role.OFFICER).user for _ in range(12)]
    Ticket.objects.bulk_create(
        TicketFactory.build_batch(
            30, department=dept, reply_account=None, status=Status.IN_PROGRESS, assigned_to=officers[0]
        )
    )
    Ticket.objects.bulk_create(TicketFactory.build_batch(1000, department=dept, reply_account=None))
    errors = _run_assigners(department_id=dept.pk, threads=8)

    assert errors == []
    assert not Ticket.objects.filter(department=dept, assigned_to__isnull=True).exists()
    loads = Counter(Ticket.objects.filter(department=dept).values_list("assigned_to_id", flat=True))
    assert set(loads) <= {officer.pk for officer in officers}
    assert max(loads.values()) <= 90
    assigned_events = Counter(AuditEvent.objects.filter(kind=EventKind.ASSIGNED).values_list("ticket_id", flat=True))
    assert len(assigned_events) == 1000
    assert set(assigned_events.values()) == {1}
    assert not any(isinstance(step, ChainBreak) for step in audit_chain_verify())


@pytest.mark.django_db(transaction=True)
def test_concurrent_assigners_stop_at_the_cap_when_there_is_no_more_room(settings):
    """8 officers with room for 100 each, 1,000 tickets, 8 assigners at once: exactly 800 given out,
    100 to each officer, 200 left waiting."""
    settings.SEVA_MAX_OPEN_PER_OFFICER = 100
    dept = DepartmentFactory(code="FULL", assignment_mode=AssignmentMode.AUTO)
    officers = [MembershipFactory(department=dept, role=Role.OFFICER).user for _ in range(8)]
    Ticket.objects.bulk_create(TicketFactory.build_batch(1000, department=dept, reply_account=None))
    errors = _run_assigners(department_id=dept.pk, threads=8)

    assert errors == []
    loads = Counter(Ticket.objects.filter(department=dept).values_list("assigned_to_id", flat=True))
    assert loads == {**{officer.pk: 100 for officer in officers}, None: 200}
    assert AuditEvent.objects.filter(kind=EventKind.ASSIGNED).count() == 800


def _run_assigners(*, department_id: int, threads: int) -> list[Exception]:
    """Run `threads` assigners at once, each in its own thread with its own connection, until each
    finds nothing more to give; the errors they raised."""
    start, errors = threading.Barrier(threads), []

    def assign() -> None:
        try:
            start.wait()
            while ticket_auto_assign(department_id=department_id, limit=25):
                pass
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=assign) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers)
    return errors


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
