"""Tickets and the SLA configuration they need, valid by construction."""

from collections.abc import Iterable
from datetime import date, time

import factory
from django.utils import timezone

from departments.models import BusinessCalendar, Holiday, SlaPolicy, WorkingPeriod
from tests.factories import DepartmentFactory
from tickets.lifecycle import Priority, Status
from tickets.models import Ticket

# Office hours of the seed calendar: Monday to Friday with lunch, Saturday mornings, Sunday off.
OFFICE_HOURS = [
    *((weekday, time(9, 30), time(13, 0)) for weekday in range(6)),
    *((weekday, time(14, 0), time(18, 0)) for weekday in range(5)),
]


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: f"TEST-2611-{n:06d}")
    department = factory.SubFactory(DepartmentFactory)
    unit = None
    status = Status.NEW
    priority = Priority.P3
    conversation_id = factory.Sequence(lambda n: 800_000_000_000_000_000 + n)
    opening_tweet_id = factory.LazyAttribute(lambda ticket: ticket.conversation_id)
    citizen_handle = factory.Sequence(lambda n: f"citizen{n}")
    subject = "Broadband down for three days"
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda ticket: ticket.created_at)


class SlaPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaPolicy

    department = factory.SubFactory(DepartmentFactory)
    priority = Priority.P3
    first_response_minutes = 480
    resolution_minutes = 3150


def business_calendar(
    *,
    department,
    periods: Iterable[tuple[int, time, time]] = OFFICE_HOURS,
    holidays: Iterable[date] = (),
    timezone_name: str = "Asia/Kolkata",
) -> BusinessCalendar:
    """A department's own calendar with its weekly periods and holidays."""
    calendar = BusinessCalendar.objects.create(
        department=department, name=f"{department.code} calendar", timezone=timezone_name
    )
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=calendar, weekday=weekday, starts=starts, ends=ends)
        for weekday, starts, ends in periods
    )
    Holiday.objects.bulk_create(Holiday(calendar=calendar, date=day, name=f"Holiday {day}") for day in holidays)
    return calendar
