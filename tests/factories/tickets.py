"""Tickets and the SLA configuration they need, valid by construction: each ticket has its citizen's
opening tweet, the time and text its status carries, and (by default) the official account of its
department to reply from, as ingestion would set."""

from collections.abc import Iterable
from datetime import date, time

import factory
from django.utils import timezone

from departments.models import BusinessCalendar, Department, Holiday, Role, SlaPolicy, WorkingPeriod
from tests.factories import DepartmentFactory, member
from tickets.lifecycle import Priority, Status
from tickets.models import Direction, MessageKind, Ticket, TicketMessage

# Office hours of the seed calendar: Monday to Friday with lunch, Saturday mornings, Sunday off.
OFFICE_HOURS = [
    *((weekday, time(9, 30), time(13, 0)) for weekday in range(6)),
    *((weekday, time(14, 0), time(18, 0)) for weekday in range(5)),
]

# Statuses that carry a time or a text by construction (see Ticket.Meta.constraints and the services).
_RESOLVED_LIKE = {Status.RESOLVED, Status.CLOSED}


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    department = factory.SubFactory(DepartmentFactory)
    unit = None
    # Period "9901" is never allocated by tickets.numbering for real tweets, so numbers cannot collide.
    number = factory.LazyAttributeSequence(lambda t, n: f"{t.department.number_prefix}-9901-{n:06d}")
    status = Status.NEW
    priority = Priority.P3
    citizen_x_user_id = factory.Sequence(lambda n: 3_100_000_000 + n)
    citizen_handle = factory.Sequence(lambda n: f"citizen_{n}")
    conversation_id = factory.Sequence(lambda n: 810_000_000_000_000_000 + n)
    opening_tweet_id = factory.LazyAttribute(lambda t: t.conversation_id)
    subject = "Landline dead for three days"
    language = "en"
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda t: t.created_at)
    reply_account = factory.LazyAttribute(lambda t: t.department.official_accounts.first())
    needs_manual_reply = factory.LazyAttribute(lambda t: t.reply_account is None)
    resolved_at = factory.LazyAttribute(lambda t: timezone.now() if t.status in _RESOLVED_LIKE else None)
    resolution_note = factory.LazyAttribute(lambda t: "Line repaired." if t.status in _RESOLVED_LIKE else "")
    closed_at = factory.LazyAttribute(lambda t: timezone.now() if t.status == Status.CLOSED else None)
    rejection_reason = factory.LazyAttribute(lambda t: "Spam." if t.status == Status.REJECTED else "")

    @factory.post_generation
    def opening_tweet(self, create, extracted, **kwargs):
        if create:
            handle = self.reply_account.handle if self.reply_account else "manojsinhabjp"
            TicketMessage.objects.create(
                ticket=self,
                direction=Direction.IN,
                kind=MessageKind.TWEET,
                tweet_id=self.opening_tweet_id,
                author_x_user_id=self.citizen_x_user_id,
                author_handle=self.citizen_handle,
                text=f"@{handle} {self.subject}",
            )


def department(code: str) -> Department:
    return Department.objects.get(code=code)


def ticket_of(code: str, *, unit: str | None = None, **fields) -> Ticket:
    """A ticket of a seeded department (and unit), e.g. ticket_of("BSNL", unit="BSNL_KL", status=...)."""
    return TicketFactory(department=department(code), unit=department(unit) if unit else None, **fields)


def staff(code: str, role: str = Role.OFFICER, **user_fields):
    """A user holding `role` on the seeded department or unit `code`."""
    return member(department=department(code), role=role, **user_fields)


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
