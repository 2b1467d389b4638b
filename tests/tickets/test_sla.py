"""Business-time arithmetic, the targets that govern a department, and due times on tickets."""

import io
import json
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from departments.models import BusinessCalendar, CannedResponse, Department, Holiday, SlaPolicy
from departments.seed import seed_demo
from tests.factories import DepartmentFactory, UserFactory
from tests.factories.tickets import OFFICE_HOURS, SlaPolicyFactory, TicketFactory, business_calendar
from tests.ingestion.factories import v2_tweet
from tickets.lifecycle import Priority, Status
from tickets.sla.clock import BusinessClock
from tickets.sla.services import sla_policy_recompute, sla_policy_save, ticket_sla_pause, ticket_sla_resume
from tickets.sla.targets import PolicyMinutes, sla_cache_clear, sla_due_times, sla_targets_for

IST = ZoneInfo("Asia/Kolkata")
GANDHI_JAYANTI = date(2026, 10, 2)  # a Friday
CLOCK = BusinessClock.from_times(timezone="Asia/Kolkata", periods=OFFICE_HOURS, holidays=[GANDHI_JAYANTI])


def ist(*args) -> datetime:
    return datetime(*args, tzinfo=IST)


@pytest.fixture(autouse=True)
def _fresh_clock_cache():
    sla_cache_clear()


# 2026-11-16 is a Monday; 2026-11-21 a Saturday (mornings only); 2026-11-22 a Sunday (off).


def test_a_target_that_fills_a_period_ends_with_it_not_after_lunch():
    assert CLOCK.add_business_minutes(ist(2026, 11, 16, 9, 30), 210) == ist(2026, 11, 16, 13, 0)


def test_time_runs_across_the_periods_of_a_day():
    assert CLOCK.add_business_minutes(ist(2026, 11, 16, 12, 0), 120) == ist(2026, 11, 16, 15, 0)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (ist(2026, 11, 16, 7, 0), ist(2026, 11, 16, 10, 0)),  # before office hours
        (ist(2026, 11, 16, 13, 20), ist(2026, 11, 16, 14, 30)),  # at lunch
        (ist(2026, 11, 16, 19, 0), ist(2026, 11, 17, 10, 0)),  # after hours
        (ist(2026, 11, 22, 11, 0), ist(2026, 11, 23, 10, 0)),  # on the weekly off
    ],
)
def test_a_start_outside_working_hours_counts_from_the_next_period(start, due):
    assert CLOCK.add_business_minutes(start, 30) == due


def test_the_weekend_counts_saturday_morning_and_skips_sunday():
    # Friday 17:00: 60 minutes on Friday, 210 on Saturday morning, the rest on Monday.
    assert CLOCK.add_business_minutes(ist(2026, 11, 20, 17, 0), 120) == ist(2026, 11, 21, 10, 30)
    assert CLOCK.add_business_minutes(ist(2026, 11, 20, 17, 0), 300) == ist(2026, 11, 23, 10, 0)


def test_a_holiday_counts_nothing():
    # Thursday 17:00 before Gandhi Jayanti: one hour on Thursday, the next on Saturday.
    assert CLOCK.add_business_minutes(ist(2026, 10, 1, 17, 0), 120) == ist(2026, 10, 3, 10, 30)
    assert CLOCK.business_minutes_between(ist(2026, 10, 1, 9, 30), ist(2026, 10, 5, 9, 30)) == 450 + 210


def test_a_21_day_target_skips_whole_weeks():
    # Three weeks of 2,460 minutes, then Monday to Thursday (1,800) and 270 minutes of Friday.
    assert CLOCK.add_business_minutes(ist(2026, 11, 16, 9, 30), 21 * 450) == ist(2026, 12, 11, 15, 0)


def test_whole_weeks_skipped_still_lose_their_holidays():
    # From Monday 28 September: Gandhi Jayanti costs a day, so four weeks' work ends a day later.
    start = ist(2026, 9, 28, 9, 30)
    without_holiday = BusinessClock.from_times(timezone="Asia/Kolkata", periods=OFFICE_HOURS)
    assert without_holiday.add_business_minutes(start, 4 * 2460) == ist(2026, 10, 24, 13, 0)
    assert CLOCK.add_business_minutes(start, 4 * 2460) == ist(2026, 10, 26, 18, 0)


def test_adding_and_measuring_agree_with_a_minute_by_minute_count():
    """Against the slowest, surest method: walk the minutes and ask whether each is working time."""

    def working(moment: datetime) -> bool:
        local = moment.astimezone(IST)
        if local.date() == GANDHI_JAYANTI:
            return False
        return any(wd == local.weekday() and s <= local.time() < e for wd, s, e in OFFICE_HOURS)

    rng = random.Random(7)
    for _ in range(25):
        start = ist(2026, 9, 28, 0, 0) + timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
        end = start + timedelta(minutes=rng.randrange(0, 5 * 24 * 60))
        minutes = sum(working(start + timedelta(minutes=m)) for m in range((end - start) // timedelta(minutes=1)))
        assert CLOCK.business_minutes_between(start, end) == minutes
        assert CLOCK.business_minutes_between(start, CLOCK.add_business_minutes(start, minutes)) == minutes


def test_measuring_backwards_is_negative():
    assert CLOCK.business_minutes_between(ist(2026, 11, 16, 11, 0), ist(2026, 11, 16, 10, 0)) == -60


def test_wall_clock_hours_follow_the_calendars_time_zone_across_a_dst_change():
    london = BusinessClock.from_times(
        timezone="Europe/London", periods=[(weekday, time(9), time(17)) for weekday in range(5)]
    )
    # Friday 16:00 GMT + 2 h: one hour on Friday, one on Monday from 09:00, which is BST by then.
    due = london.add_business_minutes(datetime(2026, 3, 27, 16, 0, tzinfo=UTC), 120)
    assert due == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        CLOCK.add_business_minutes(datetime(2026, 11, 16, 10, 0), 30)  # noqa: DTZ001


def test_a_calendar_without_working_time_is_refused():
    with pytest.raises(ValueError, match="working period"):
        BusinessClock.from_times(timezone="Asia/Kolkata", periods=[])


# The targets of departments: nearest ancestor's calendar and policy.


@pytest.fixture
def tree(db):
    """A ministry with a calendar and a P3 policy; a department inheriting both; a unit with a
    calendar of its own (a state holiday on Wednesday 18 November) and its own P1 policy."""
    ministry = DepartmentFactory(code="MIN")
    department = DepartmentFactory(code="TEL", parent=ministry)
    unit = DepartmentFactory(code="TEL_KL", parent=department, is_unit=True)
    business_calendar(department=ministry)
    business_calendar(department=unit, holidays=[date(2026, 11, 18)])
    SlaPolicyFactory(department=ministry, priority=Priority.P3, first_response_minutes=60, resolution_minutes=450)
    SlaPolicyFactory(department=unit, priority=Priority.P1, first_response_minutes=30, resolution_minutes=60)
    return {"ministry": ministry, "department": department, "unit": unit}


def test_a_department_without_a_calendar_or_policy_uses_its_nearest_ancestors(tree):
    start = ist(2026, 11, 17, 17, 0)  # Tuesday
    # An hour fits before 18:00; the working day then runs into Wednesday.
    assert sla_due_times(department_id=tree["department"].id, priority=Priority.P3, start=start) == (
        ist(2026, 11, 17, 18, 0),
        ist(2026, 11, 18, 17, 0),
    )


def test_a_unit_with_its_own_calendar_keeps_its_own_holidays(tree):
    start = ist(2026, 11, 17, 17, 0)
    assert sla_due_times(department_id=tree["unit"].id, priority=Priority.P3, start=start) == (
        ist(2026, 11, 17, 18, 0),
        ist(2026, 11, 19, 17, 0),
    )


def test_a_unit_policy_overrides_only_its_priority(tree):
    targets = sla_targets_for([tree["unit"].id, tree["department"].id])
    assert targets[tree["unit"].id].policies == {
        "p1": PolicyMinutes(30, 60),
        "p3": PolicyMinutes(60, 450),
    }
    assert targets[tree["department"].id].policies == {"p3": PolicyMinutes(60, 450)}


def test_no_policy_for_the_priority_means_no_due_times(tree):
    assert sla_due_times(department_id=tree["department"].id, priority=Priority.P4, start=ist(2026, 11, 17)) == (
        None,
        None,
    )


def test_a_tree_without_a_calendar_counts_every_minute(db):
    lone = DepartmentFactory()
    SlaPolicyFactory(department=lone, first_response_minutes=60, resolution_minutes=120)
    start = ist(2026, 11, 22, 23, 30)  # a Sunday night
    assert sla_due_times(department_id=lone.id, priority=Priority.P3, start=start) == (
        ist(2026, 11, 23, 0, 30),
        ist(2026, 11, 23, 1, 30),
    )


def test_the_loader_takes_one_query_however_many_departments(tree, django_assert_num_queries):
    extra = [DepartmentFactory(parent=tree["department"]).id for _ in range(10)]
    with django_assert_num_queries(1):
        sla_targets_for([tree["unit"].id])
    with django_assert_num_queries(1):
        targets = sla_targets_for([tree["unit"].id, tree["department"].id, *extra])
    assert len(targets) == 12


def test_policies_are_read_fresh_and_calendars_come_from_the_process_cache(tree):
    department_id = tree["department"].id
    clock = sla_targets_for([department_id])[department_id].clock
    SlaPolicy.objects.filter(department=tree["ministry"]).update(first_response_minutes=90)
    targets = sla_targets_for([department_id])[department_id]
    assert targets.policies["p3"].first_response == 90
    assert targets.clock is clock


def test_new_tickets_get_due_times_from_their_units_policy_at_creation(db):
    from ingestion.files import ingest_stream
    from tickets.models import Ticket

    seed_demo(password="demo-pass-123")
    pages = [v2_tweet("Broadband dead in Kochi #BSNLSeva"), v2_tweet("Broadband dead in Pune #BSNLSeva")]
    ingest_stream(io.BytesIO("\n".join(json.dumps(page) for page in pages).encode()))
    tickets = list(Ticket.objects.select_related("unit"))
    assert sorted(ticket.unit.code for ticket in tickets) == ["BSNL_KL", "BSNL_MH"]
    for ticket in tickets:
        assert ticket.priority == Priority.P3
        assert (ticket.first_response_due_at, ticket.resolution_due_at) == sla_due_times(
            department_id=ticket.unit_id, priority=Priority.P3, start=ticket.created_at
        )
        assert ticket.created_at < ticket.first_response_due_at < ticket.resolution_due_at


def test_the_seeded_kerala_circle_keeps_onam_and_maharashtra_does_not(db):
    seed_demo(password="demo-pass-123")
    kerala, maharashtra = (Department.objects.get(code=code).id for code in ("BSNL_KL", "BSNL_MH"))
    start = ist(2026, 8, 25, 17, 0)  # Tuesday; Thiruvonam is Wednesday 26 August
    assert sla_due_times(department_id=maharashtra, priority=Priority.P1, start=start) == (
        ist(2026, 8, 25, 17, 30),
        ist(2026, 8, 26, 17, 0),
    )
    assert sla_due_times(department_id=kerala, priority=Priority.P1, start=start) == (
        ist(2026, 8, 25, 17, 30),
        ist(2026, 8, 27, 17, 0),
    )


def test_seeding_twice_changes_nothing(db):
    seed_demo(password="demo-pass-123")
    counts = [model.objects.count() for model in (BusinessCalendar, Holiday, SlaPolicy, CannedResponse)]
    seed_demo(password="demo-pass-123")
    assert [model.objects.count() for model in (BusinessCalendar, Holiday, SlaPolicy, CannedResponse)] == counts
    assert counts[0] == 2
    assert counts[2] == 4


# The clock paused while the ticket waits on the citizen.


@pytest.fixture
def open_ticket(tree):
    created = ist(2026, 11, 16, 9, 30)  # Monday
    first_due, resolution_due = sla_due_times(department_id=tree["department"].id, priority=Priority.P3, start=created)
    return TicketFactory(
        department=tree["department"],
        status=Status.IN_PROGRESS,
        created_at=created,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
    )


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


def test_saving_a_policy_in_the_admin_moves_due_times(tree, open_ticket, client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    policy = SlaPolicy.objects.get(department=tree["ministry"], priority=Priority.P3)
    response = client.post(
        reverse("admin:departments_slapolicy_change", args=[policy.pk]),
        {"first_response_minutes": 120, "resolution_minutes": 450},
    )
    assert response.status_code == 302, response.content
    open_ticket.refresh_from_db()
    assert open_ticket.first_response_due_at == ist(2026, 11, 16, 11, 30)


def test_the_calendar_admin_edits_periods_and_holidays_inline(tree, client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    calendar = BusinessCalendar.objects.get(department=tree["unit"])
    response = client.get(reverse("admin:departments_businesscalendar_change", args=[calendar.pk]))
    assert response.status_code == 200
    assert b'name="periods-TOTAL_FORMS"' in response.content
    assert b'name="holidays-TOTAL_FORMS"' in response.content
