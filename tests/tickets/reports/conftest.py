"""A month of tickets whose every figure is known: hand-built in BSNL (partly its Kerala circle),
with a ticket transferred in from the Department of Posts, two escalations and an appeal, replies
sent and failed, ratings, and business times across a weekend and a holiday.

November 2026: Sunday 1, Monday 2 ... Friday 6, Saturday 7, Sunday 8 (Diwali), Monday 9 ...
Wednesday 11 is made a holiday of the ministry's calendar, which BSNL inherits. Office hours (the
seed's): 09:30-13:00 and 14:00-18:00 Monday to Friday, 09:30-13:00 on Saturday."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from accounts.models import User
from departments.models import BusinessCalendar, Holiday
from tests.factories.tickets import department, ticket_of
from tickets.audit import EventDraft, audit_events_append
from tickets.events.ticket import ticket_assigned_event, ticket_transferred_event
from tickets.lifecycle import Status
from tickets.models import Delivery, Direction, Escalation, Feedback, MessageKind, Ticket, TicketMessage
from tickets.sla.business_times import ticket_business_times_fill
from tickets.sla.targets import sla_cache_clear

IST = ZoneInfo("Asia/Kolkata")
NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}
# The report is read on 15 December: every target of November is due by then.
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=IST)
HOLIDAY = date(2026, 11, 11)


def ist(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=IST)


def user(username: str) -> User:
    return User.objects.get(username=username)


@dataclass
class Month:
    weekend: Ticket  # across a weekend and the holiday
    transferred: Ticket  # from POSTS, reassigned, escalated twice, replied to
    open_late: Ticket  # Kerala circle, never answered
    rejected: Ticket
    october: Ticket  # received in October, resolved late in November
    posts: Ticket  # stays in POSTS


def _events(*drafts: EventDraft) -> None:
    with transaction.atomic():  # its own, where a test commits what it builds (django_db(transaction=True))
        audit_events_append(list(drafts))


def _at(draft: EventDraft, when: datetime) -> EventDraft:
    return EventDraft(draft.kind, draft.ticket_id, draft.actor_id, draft.data, when)


@pytest.fixture
def month(seeded) -> Month:
    sla_cache_clear()
    ministry_calendar = BusinessCalendar.objects.get(department=department("MOC"))
    Holiday.objects.create(calendar=ministry_calendar, date=HOLIDAY, name="A holiday for the test")
    sla_cache_clear()
    officer, supervisor = user("bsnl_officer"), user("bsnl_supervisor")
    posts_officer = user("posts_officer")

    weekend = ticket_of(
        "BSNL",
        status=Status.RESOLVED,
        assigned_to=officer,
        created_at=ist(11, 6, 17),  # Friday, an hour before closing
        first_response_due_at=ist(11, 9, 12),
        first_responded_at=ist(11, 9, 10, 30),  # Monday: 1 + 3.5 (Saturday) + 1 = 5.5 business hours
        resolution_due_at=ist(11, 12, 12),
        resolved_at=ist(11, 12, 10),  # Thursday: + 6.5 Monday + 7.5 Tuesday + 0 holiday + 0.5 = 20
    )
    transferred = ticket_of(
        "BSNL",
        status=Status.RESOLVED,
        assigned_to=supervisor,
        created_at=ist(11, 2, 10),  # Monday
        first_response_due_at=ist(11, 2, 18),
        first_responded_at=ist(11, 3, 10),  # Tuesday: 3 + 4 + 0.5 = 7.5, after the due time
        resolution_due_at=ist(11, 5, 18),
        resolved_at=ist(11, 4, 10),  # Wednesday: 7 + 7.5 + 0.5 = 15
    )
    open_late = ticket_of(
        "BSNL",
        unit="BSNL_KL",
        status=Status.IN_PROGRESS,
        assigned_to=officer,
        created_at=ist(11, 16, 10),
        first_response_due_at=ist(11, 16, 18),
        resolution_due_at=ist(11, 25, 10),
    )
    rejected = ticket_of(
        "BSNL",
        status=Status.REJECTED,
        created_at=ist(11, 17, 9),
        first_response_due_at=ist(11, 17, 17),
        resolution_due_at=ist(11, 26, 9),
    )
    october = ticket_of(
        "BSNL",
        status=Status.CLOSED,
        assigned_to=supervisor,
        created_at=ist(10, 30, 16),  # Friday: 2 + 3.5 (Saturday) + 2.5 (Monday) = 8 business hours
        first_response_due_at=ist(10, 30, 18),
        first_responded_at=ist(10, 30, 17),
        resolution_due_at=ist(11, 2, 10),
        resolved_at=ist(11, 2, 12),
        closed_at=ist(11, 9, 12),
    )
    posts = ticket_of("POSTS", status=Status.NEW, created_at=ist(11, 3, 10))

    _events(
        _at(
            ticket_transferred_event(
                ticket_id=transferred.id,
                actor_id=posts_officer.id,
                from_department_code="POSTS",
                from_unit_code=None,
                to_department_code="BSNL",
                reason="A telecom fault,\nnot a postal one",
                previous_status=Status.NEW,
                previous_assignee_id=None,
                previous_escalation_level=0,
                citizen_told=[],
            ),
            ist(11, 2, 11),
        ),
        *(
            _at(
                ticket_assigned_event(
                    ticket_id=ticket.id,
                    actor_id=actor.id,
                    how="assign",
                    assignee_id=assignee.id,
                    assignee_username=assignee.username,
                    previous_assignee_id=previous and previous.id,
                    from_status=Status.NEW,
                    to_status=Status.ASSIGNED,
                ),
                when,
            )
            for ticket, actor, assignee, previous, when in [
                (transferred, supervisor, officer, None, ist(11, 2, 11, 30)),
                (transferred, supervisor, supervisor, officer, ist(11, 3, 9, 50)),
                (weekend, supervisor, officer, None, ist(11, 6, 17, 5)),
                (open_late, supervisor, officer, None, ist(11, 16, 10, 5)),
            ]
        ),
    )
    bsnl, moc = department("BSNL"), department("MOC")
    for ticket, level, reason, notify, raised_at, acknowledged_at in [
        (transferred, 1, Escalation.Reason.SLA, bsnl, ist(11, 2, 18, 1), ist(11, 3, 9, 31)),
        (transferred, 2, Escalation.Reason.SLA, bsnl, ist(11, 4, 9, 0), None),
        (weekend, 3, Escalation.Reason.APPEAL, moc, ist(11, 13, 12), None),
    ]:
        Escalation.objects.create(
            ticket=ticket,
            level=level,
            reason=reason,
            notify_department=notify,
            raised_at=raised_at,
            acknowledged_at=acknowledged_at,
            acknowledged_by=supervisor if acknowledged_at else None,
        )
    for kind, delivery, queued_at, sent_at, sent_by, tweet_id, error in [
        (MessageKind.ACKNOWLEDGEMENT, Delivery.FAILED, ist(11, 2, 10, 1), None, None, None, "403 not allowed"),
        (MessageKind.REPLY, Delivery.SENT, ist(11, 3, 10), ist(11, 3, 10, 1), officer, 970_001, ""),
    ]:
        TicketMessage.objects.create(
            ticket=transferred,
            direction=Direction.OUT,
            kind=kind,
            delivery=delivery,
            text="Your complaint is with BSNL.",
            created_at=queued_at,
            sent_at=sent_at,
            sent_by=sent_by,
            tweet_id=tweet_id,
            last_error=error,
        )
    for ticket, rating, given_at in [
        (transferred, 2, ist(11, 5, 12)),
        (weekend, 1, ist(11, 13, 11)),
        (october, 5, ist(11, 3, 12)),
        (october, 4, ist(10, 31, 12)),  # before the period
    ]:
        Feedback.objects.create(ticket=ticket, rating=rating, created_at=given_at)
    # As the beat would have done by now.
    ticket_business_times_fill()
    return Month(weekend, transferred, open_late, rejected, october, posts)
