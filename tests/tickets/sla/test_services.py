"""The services that move tickets' due times (tickets/sla/services.py): the clock paused and
resumed, and a policy saved."""

from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from departments.models import BusinessCalendar, Holiday, SlaPolicy, WorkingPeriod
from departments.services import department_delete
from tests.factories.tickets import SlaPolicyFactory, TicketFactory
from tests.tickets.sla.conftest import ist
from tickets.lifecycle import Priority, Status
from tickets.models import AuditEvent, EventKind
from tickets.sla.services import (
    business_calendar_delete,
    business_calendar_save,
    sla_policy_delete,
    sla_policy_recompute,
    sla_policy_save,
    ticket_sla_pause,
    ticket_sla_resume,
)
from tickets.sla.targets import sla_due_times

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


def test_a_changed_policy_moves_open_tickets_and_keeps_their_paused_time(tree, open_ticket, ministry_admin):
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

    assert sla_policy_save(actor=ministry_admin, policy=policy) == 1
    open_ticket.refresh_from_db()
    assert open_ticket.first_response_due_at == ist(2026, 11, 16, 12, 30)  # 120 + 60 paused
    assert open_ticket.resolution_due_at == ist(2026, 11, 18, 10, 30)  # 900 + 60 paused
    resolved.refresh_from_db()
    in_unit_p1.refresh_from_db()
    assert resolved.resolution_due_at == ist(2026, 11, 16, 17, 30)
    assert in_unit_p1.resolution_due_at == ist(2026, 11, 16, 10, 30)


def test_a_new_policy_below_an_inherited_one_governs_its_subtree(tree, open_ticket, ministry_admin):
    policy = SlaPolicy(
        department=tree["department"], priority=Priority.P3, first_response_minutes=30, resolution_minutes=60
    )
    sla_policy_save(actor=ministry_admin, policy=policy)
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


# Calendars and policies are their administrators' to change, each change one audited event.


def config_events():
    return AuditEvent.objects.filter(kind=EventKind.CONFIG_CHANGED).order_by("id")


def test_a_department_admin_cannot_save_or_delete_the_policy_of_a_department_above(tree, department_admin):
    # The ministry's P3 policy governs the department's tickets, but it is the ministry's to set.
    policy = SlaPolicy.objects.get(department=tree["ministry"], priority=Priority.P3)
    policy.first_response_minutes = 5
    with pytest.raises(PermissionDenied):
        sla_policy_save(actor=department_admin, policy=policy)
    with pytest.raises(PermissionDenied):
        sla_policy_delete(actor=department_admin, policy=policy)
    with pytest.raises(PermissionDenied):
        sla_policy_save(
            actor=department_admin,
            policy=SlaPolicy(
                department=tree["ministry"], priority=Priority.P1, first_response_minutes=5, resolution_minutes=10
            ),
        )
    assert SlaPolicy.objects.get(pk=policy.pk).first_response_minutes == 60
    assert not SlaPolicy.objects.filter(department=tree["ministry"], priority=Priority.P1).exists()
    assert not config_events().exists()


def test_a_policy_saved_and_deleted_by_its_department_admin_is_recorded(tree, department_admin):
    policy = SlaPolicy(
        department=tree["department"], priority=Priority.P2, first_response_minutes=30, resolution_minutes=90
    )
    sla_policy_save(actor=department_admin, policy=policy)
    policy.resolution_minutes = 120
    sla_policy_save(actor=department_admin, policy=policy)
    policy_id = policy.pk
    sla_policy_delete(actor=department_admin, policy=policy)
    assert not SlaPolicy.objects.filter(pk=policy_id).exists()
    events = list(config_events())
    assert [(e.actor_id, e.data["model"], e.data["object_id"], e.data["action"]) for e in events] == [
        (department_admin.pk, "departments.slapolicy", policy_id, action) for action in ("add", "change", "delete")
    ]
    assert events[1].data["changes"] == {"resolution_minutes": [90, 120]}


def test_a_policy_keeps_its_department_and_priority(tree, ministry_admin):
    policy = SlaPolicy.objects.get(department=tree["unit"], priority=Priority.P1)
    policy.priority = Priority.P2
    with pytest.raises(ValidationError):
        sla_policy_save(actor=ministry_admin, policy=policy)
    assert SlaPolicy.objects.filter(pk=policy.pk, priority=Priority.P1).exists()


def test_a_calendar_saved_with_its_rows_is_one_event_and_counts_at_once(tree, department_admin):
    calendar = BusinessCalendar.objects.get(department=tree["unit"])
    start = ist(2026, 11, 17, 17, 0)  # Tuesday; the unit's state holiday is Wednesday 18 November
    assert sla_due_times(department_id=tree["unit"].id, priority=Priority.P3, start=start)[1] == ist(
        2026, 11, 19, 17, 0
    )
    periods = list(calendar.periods.all())
    saturday = next(p for p in periods if p.weekday == 5)
    (wednesday_holiday,) = calendar.holidays.all()
    wednesday_holiday.name = "State holiday"
    calendar.name = "Kerala circle"
    business_calendar_save(
        actor=department_admin,
        calendar=calendar,
        periods=[p for p in periods if p is not saturday],
        holidays=[wednesday_holiday, Holiday(date=date(2026, 11, 23), name="Second state holiday")],
    )
    (event,) = config_events()
    added = Holiday.objects.get(calendar=calendar, date=date(2026, 11, 23))
    assert event.actor_id == department_admin.pk
    assert (event.data["model"], event.data["object_id"], event.data["action"]) == (
        "departments.businesscalendar",
        calendar.pk,
        "change",
    )
    assert event.data["changes"] == {"name": ["TEL_KL calendar", "Kerala circle"]}
    assert event.data["related"] == {
        "periods": {
            "added": [],
            "changed": [],
            "removed": [{"id": saturday.pk, "weekday": 5, "starts": "09:30:00", "ends": "13:00:00"}],
        },
        "holidays": {
            "added": [{"id": added.pk, "date": "2026-11-23", "name": "Second state holiday", "kind": "gazetted"}],
            "changed": [{"id": wednesday_holiday.pk, "changes": {"name": ["Holiday 2026-11-18", "State holiday"]}}],
            "removed": [],
        },
    }
    assert not calendar.periods.filter(weekday=5).exists()
    # The process's cached clock is dropped: Monday 23 November is a holiday from now on.
    assert sla_due_times(department_id=tree["unit"].id, priority=Priority.P3, start=ist(2026, 11, 20, 17, 0))[
        1
    ] == ist(2026, 11, 24, 17, 0)


def test_a_calendar_saved_unchanged_records_nothing(tree, ministry_admin):
    calendar = BusinessCalendar.objects.get(department=tree["unit"])
    business_calendar_save(
        actor=ministry_admin,
        calendar=calendar,
        periods=list(calendar.periods.all()),
        holidays=list(calendar.holidays.all()),
    )
    business_calendar_save(actor=ministry_admin, calendar=calendar)
    assert not config_events().exists()


def test_a_calendar_takes_no_rows_of_another_calendar(tree, ministry_admin):
    calendar = BusinessCalendar.objects.get(department=tree["unit"])
    theirs = BusinessCalendar.objects.get(department=tree["ministry"]).periods.first()
    theirs.ends = time(12, 0)
    with pytest.raises(PermissionDenied):
        business_calendar_save(actor=ministry_admin, calendar=calendar, periods=[theirs])
    assert WorkingPeriod.objects.get(pk=theirs.pk).calendar.department == tree["ministry"]
    assert WorkingPeriod.objects.get(pk=theirs.pk).ends != time(12, 0)
    assert not config_events().exists()


def test_a_calendar_deleted_is_one_event_with_its_rows(tree, department_admin):
    calendar = BusinessCalendar.objects.get(department=tree["unit"])
    periods, (holiday,) = set(calendar.periods.values_list("pk", flat=True)), calendar.holidays.all()
    business_calendar_delete(actor=department_admin, calendar=calendar)
    assert not BusinessCalendar.objects.filter(department=tree["unit"]).exists()
    (event,) = config_events()
    assert (event.data["object_id"], event.data["action"]) == (calendar.pk, "delete")
    assert {row["id"] for row in event.data["related"]["periods"]["removed"]} == periods
    assert event.data["related"]["holidays"]["removed"] == [
        {"id": holiday.pk, "date": "2026-11-18", "name": "Holiday 2026-11-18", "kind": "gazetted"}
    ]


def test_deleting_a_unit_records_its_calendar_and_policies(tree, department_admin):
    unit = tree["unit"]
    calendar, policy = BusinessCalendar.objects.get(department=unit), SlaPolicy.objects.get(department=unit)
    department_delete(actor=department_admin, department=unit)
    deleted = {(e.data["model"], e.data["object_id"]): e.data for e in config_events().filter(data__action="delete")}
    assert set(deleted) == {
        ("departments.department", unit.pk),
        ("departments.businesscalendar", calendar.pk),
        ("departments.slapolicy", policy.pk),
    }
    assert set(deleted[("departments.businesscalendar", calendar.pk)]["related"]) == {"periods", "holidays"}
