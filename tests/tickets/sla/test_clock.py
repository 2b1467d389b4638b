"""Business-time arithmetic (tickets/sla/clock.py): no database."""

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.factories.tickets import OFFICE_HOURS
from tests.tickets.sla.conftest import IST, ist
from tickets.sla.clock import BusinessClock

GANDHI_JAYANTI = date(2026, 10, 2)  # a Friday
CLOCK = BusinessClock.from_times(timezone="Asia/Kolkata", periods=OFFICE_HOURS, holidays=[GANDHI_JAYANTI])


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
