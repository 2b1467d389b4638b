"""The services that move tickets' due times (tickets/sla/services.py): the clock paused and
resumed, and a policy saved."""

from departments.models import SlaPolicy
from tests.factories.tickets import SlaPolicyFactory, TicketFactory
from tests.tickets.sla.conftest import ist
from tickets.lifecycle import Priority, Status
from tickets.sla.services import sla_policy_recompute, sla_policy_save, ticket_sla_pause, ticket_sla_resume

# The clock paused while the ticket waits on the citizen.


def test_a_paused_clock_pushes_both_due_times_by_the_business_time_paused(open_ticket):
    assert (open_ticket.first_response_due_at, open_ticket.resolution_due_at) == (
        ist(2026, 11, 16, 10, 30),
        ist(2026, 11, 16, 18, 0),
    )
    ticket_sla_pause(ticket=open_ticket, at=ist(2026, 11, 16, 10, 0))
    open_ticket.refresh_from_db()
    assert open_ticket.sla_paused_at == ist(2026, 11, 16, 10, 0)
    # Paused over lunch and the night: 180 + 240 + 30 = 450 business minutes, one working day.
    ticket_sla_resume(ticket=open_ticket, at=ist(2026, 11, 17, 10, 0))
    open_ticket.refresh_from_db()
    assert open_ticket.sla_paused_at is None
    assert open_ticket.first_response_due_at == ist(2026, 11, 17, 10, 30)
    assert open_ticket.resolution_due_at == ist(2026, 11, 17, 18, 0)


def test_time_paused_outside_working_hours_moves_nothing(open_ticket):
    due_times = (open_ticket.first_response_due_at, open_ticket.resolution_due_at)
    ticket_sla_pause(ticket=open_ticket, at=ist(2026, 11, 16, 13, 0))
    ticket_sla_resume(ticket=open_ticket, at=ist(2026, 11, 16, 14, 0))
    open_ticket.refresh_from_db()
    assert (open_ticket.first_response_due_at, open_ticket.resolution_due_at) == due_times


def test_a_target_passed_before_the_pause_stays_passed(open_ticket):
    ticket_sla_pause(ticket=open_ticket, at=ist(2026, 11, 16, 11, 0))  # first response was due 10:30
    ticket_sla_resume(ticket=open_ticket, at=ist(2026, 11, 16, 12, 0))
    open_ticket.refresh_from_db()
    assert open_ticket.first_response_due_at == ist(2026, 11, 16, 10, 30)
    assert open_ticket.resolution_due_at == ist(2026, 11, 17, 10, 30)


def test_pausing_a_paused_clock_keeps_the_first_pause(open_ticket):
    ticket_sla_pause(ticket=open_ticket, at=ist(2026, 11, 16, 10, 0))
    ticket_sla_pause(ticket=open_ticket, at=ist(2026, 11, 16, 12, 0))
    open_ticket.refresh_from_db()
    assert open_ticket.sla_paused_at == ist(2026, 11, 16, 10, 0)


# A policy that changes moves the due times of the open tickets it governs.


def test_a_changed_policy_moves_open_tickets_and_keeps_their_paused_time(tree, open_ticket):
    ticket_sla_pause(ticket=open_ticket, at=ist(2026, 11, 16, 10, 0))
    ticket_sla_resume(ticket=open_ticket, at=ist(2026, 11, 16, 11, 0))  # 60 minutes paused
    resolved = TicketFactory(
        department=tree["department"], status=Status.RESOLVED, resolved_at=ist(2026, 11, 16, 12, 0),
        created_at=ist(2026, 11, 16, 9, 30), resolution_due_at=ist(2026, 11, 16, 17, 30),
    )  # fmt: skip
    in_unit_p1 = TicketFactory(
        department=tree["department"], unit=tree["unit"], priority=Priority.P1,
        created_at=ist(2026, 11, 16, 9, 30), resolution_due_at=ist(2026, 11, 16, 10, 30),
    )  # fmt: skip
    policy = SlaPolicy.objects.get(department=tree["ministry"], priority=Priority.P3)
    policy.first_response_minutes, policy.resolution_minutes = 120, 900

    assert sla_policy_save(policy=policy) == 1
    open_ticket.refresh_from_db()
    assert open_ticket.first_response_due_at == ist(2026, 11, 16, 12, 30)  # 120 + 60 paused
    assert open_ticket.resolution_due_at == ist(2026, 11, 18, 10, 30)  # 900 + 60 paused
    resolved.refresh_from_db()
    in_unit_p1.refresh_from_db()
    assert resolved.resolution_due_at == ist(2026, 11, 16, 17, 30)
    assert in_unit_p1.resolution_due_at == ist(2026, 11, 16, 10, 30)


def test_a_new_policy_below_an_inherited_one_governs_its_subtree(tree, open_ticket):
    policy = SlaPolicy(
        department=tree["department"], priority=Priority.P3, first_response_minutes=30, resolution_minutes=60
    )
    sla_policy_save(policy=policy)
    open_ticket.refresh_from_db()
    assert (open_ticket.first_response_due_at, open_ticket.resolution_due_at) == (
        ist(2026, 11, 16, 10, 0),
        ist(2026, 11, 16, 10, 30),
    )


def test_tickets_without_due_times_get_them_from_creation(tree):
    ticket = TicketFactory(department=tree["department"], priority=Priority.P2, created_at=ist(2026, 11, 16, 9, 30))
    policy = SlaPolicyFactory(
        department=tree["ministry"], priority=Priority.P2, first_response_minutes=120, resolution_minutes=240
    )
    assert sla_policy_recompute(policy=policy, previous=None) == 1
    ticket.refresh_from_db()
    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (
        ist(2026, 11, 16, 11, 30),
        ist(2026, 11, 16, 14, 30),
    )
