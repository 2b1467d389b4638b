"""The dashboard's figures against a hand-built set of tickets whose answers are known (business hours
across a weekend and a holiday, a transfer, two escalations, an appeal), the queue link behind each
figure listing exactly the tickets it counts, the user's scope, and a fixed number of queries."""

from datetime import date, datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from departments.models import Role
from tests.factories.tickets import TicketFactory, department, staff
from tickets.dashboard import links
from tickets.dashboard.figures import dashboard_figures
from tickets.dashboard.periods import RANGE, Period
from tickets.lifecycle import Status
from tickets.models import DashboardRollup, Escalation, Feedback
from tickets.selectors import ticket_list
from tickets.services import ticket_transfer
from tickets.sla.business_times import ticket_business_times_fill
from tickets.workspace.forms import SLA_MET, SLA_MISSED, QueueFilter

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
# Friday 16 to Thursday 22 October 2026: a weekend (Saturday a half day, Sunday off) and Dussehra,
# Tuesday 20, a gazetted holiday of the seed's calendar (office hours 09:30-13:00 and 14:00-18:00).
PERIOD = Period(RANGE, date(2026, 10, 16), date(2026, 10, 22))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=IST)


@pytest.fixture
def people(seeded):
    from accounts.models import User

    return {
        "supervisor": User.objects.get(username="bsnl_supervisor"),
        "admin": User.objects.get(username="admin"),
        "posts_auditor": staff("POSTS", Role.AUDITOR, username="posts_auditor"),
    }


@pytest.fixture
def known(people):
    """BSNL's tickets of the period, and one of POSTS's, with what each should count for."""
    bsnl, circle = department("BSNL"), department("BSNL_MH")
    # Friday 17:30 -> Monday 10:00 answered: 30 min Friday, 3 h 30 Saturday, 30 min Monday = 4 h 30.
    # Resolved Monday 12:00, 2 h later: 6 h 30, before its target (Tuesday): met. Rated 2, appealed.
    weekend = TicketFactory(
        department=bsnl,
        unit=circle,
        status=Status.RESOLVED,
        created_at=at(16, 17, 30),
        first_responded_at=at(19, 10),
        resolved_at=at(19, 12),
        resolution_due_at=at(20, 17),
    )
    # Monday 17:00 -> 17:30 answered (30 min); resolved Wednesday 10:30 across the holiday: 1 h Monday,
    # none Tuesday, 1 h Wednesday = 2 h; its target was Wednesday 09:00: missed. Rated 5.
    holiday = TicketFactory(
        department=bsnl,
        unit=circle,
        status=Status.RESOLVED,
        created_at=at(19, 17),
        first_responded_at=at(19, 17, 30),
        resolved_at=at(21, 10, 30),
        resolution_due_at=at(21, 9),
    )
    # Open past its target (Thursday): missed, breached now; escalated twice (L1, then L2).
    late = TicketFactory(
        department=bsnl, unit=circle, status=Status.IN_PROGRESS, created_at=at(20, 11), resolution_due_at=at(22, 12)
    )
    # Received by POSTS, transferred to BSNL: BSNL's now (its targets count from the transfer, after the period).
    moved = TicketFactory(department=department("POSTS"), created_at=at(21, 9, 45))
    ticket_transfer(actor=people["admin"], number=moved.number, department_code="BSNL", reason="A BSNL line")
    # Rejected: received, but no target to meet.
    rejected = TicketFactory(
        department=bsnl, unit=circle, status=Status.REJECTED, created_at=at(22, 10), resolution_due_at=at(22, 17)
    )
    # Before the period: counted nowhere in it.
    TicketFactory(
        department=bsnl,
        status=Status.CLOSED,
        created_at=at(10, 10),
        resolved_at=at(12, 10),
        resolution_due_at=at(14, 10),
    )
    posts = TicketFactory(department=department("POSTS"), created_at=at(20, 12), resolution_due_at=at(21, 12))
    for level, raised in ((1, at(20, 12)), (2, at(22, 13))):
        Escalation.objects.create(ticket=late, level=level, notify_department=circle, raised_at=raised)
    Escalation.objects.create(
        ticket=weekend, level=3, reason=Escalation.Reason.APPEAL, notify_department=bsnl, raised_at=at(19, 13)
    )
    Feedback.objects.create(ticket=weekend, rating=2, created_at=at(19, 13))
    Feedback.objects.create(ticket=holiday, rating=5, created_at=at(21, 11))
    ticket_business_times_fill()
    return {"weekend": weekend, "holiday": holiday, "late": late, "moved": moved, "rejected": rejected, "posts": posts}


def tickets_behind(link: str, user) -> set[int]:
    """The ids of the tickets the queue lists at `link`, through its own filters and scope."""
    url = urlparse(link)
    assert url.path == reverse("workspace:queue")
    request = RequestFactory().get(link)
    request.user = user
    queue = QueueFilter(QueryDict(url.query), queryset=ticket_list(user=user), request=request)
    assert queue.is_valid(), queue.errors
    return set(queue.qs.values_list("id", flat=True))


def ids(*tickets) -> set[int]:
    return {ticket.id for ticket in tickets}


def test_each_figure_of_the_period(people, known):
    figures = dashboard_figures(user=people["supervisor"], period=PERIOD, now=timezone.now())
    total = figures.total
    assert (total.received, total.resolved, total.open, total.breached) == (4 + 1, 2, 2, 1)
    # Due in the period: weekend (met), holiday and late (missed); the rejected ticket has no target.
    assert (total.due_met, total.due_missed, total.due_waiting) == (1, 2, 0)
    assert total.compliance_percent == 33.3
    assert figures.escalations_by_level == {1: 1, 2: 1, 3: 0}
    assert figures.appeals == 1
    assert (figures.rated_tickets, figures.rating_average, figures.poor_rating_percent) == (2, 3.5, 50.0)


def test_business_hours_leave_out_the_weekend_and_the_holiday(people, known):
    figures = dashboard_figures(user=people["supervisor"], period=PERIOD, now=timezone.now())
    known["weekend"].refresh_from_db()
    known["holiday"].refresh_from_db()
    assert known["weekend"].first_response_business_seconds == 4 * 3600 + 30 * 60
    assert known["holiday"].resolution_business_seconds == 2 * 3600
    # Two tickets each: the median is the shorter (nearest rank), the 90th percentile the longer,
    # read from the histogram within 1.3%.
    first, resolution = figures.first_response, figures.resolution
    assert (first.tickets, resolution.tickets) == (2, 2)
    for got, exact in (
        (first.median_seconds, 30 * 60),
        (first.p90_seconds, 4 * 3600 + 30 * 60),
        (resolution.median_seconds, 2 * 3600),
        (resolution.p90_seconds, 6 * 3600 + 30 * 60),
    ):
        assert abs(got - exact) <= exact * 0.013


def test_by_department_by_unit_and_by_state(people, known):
    figures = dashboard_figures(user=people["supervisor"], period=PERIOD, now=timezone.now())
    rows = {row.department.code: row.counts for row in figures.departments + figures.units}
    assert (rows["BSNL"].received, rows["BSNL"].open) == (5, 2)
    assert (rows["BSNL_MH"].received, rows["BSNL_MH"].open, rows["BSNL_MH"].breached) == (4, 1, 1)
    assert rows["BSNL_KL"].received == 0
    assert "POSTS" not in rows
    assert figures.states["mh"].received == 4
    assert set(figures.states) == {"mh"}


def test_every_figure_links_to_exactly_the_tickets_it_counts(people, known):
    user, k = people["supervisor"], known
    figures = dashboard_figures(user=user, period=PERIOD, now=timezone.now())
    circle = department("BSNL_MH")
    expected = {
        links.received(PERIOD): ids(k["weekend"], k["holiday"], k["late"], k["moved"], k["rejected"]),
        links.resolved(PERIOD): ids(k["weekend"], k["holiday"]),
        links.responded(PERIOD): ids(k["weekend"], k["holiday"]),
        links.open_now(): ids(k["late"], k["moved"]),
        links.breached(): ids(k["late"]),
        links.sla(PERIOD, figures.due_end, [SLA_MET]): ids(k["weekend"]),
        links.sla(PERIOD, figures.due_end, [SLA_MISSED]): ids(k["holiday"], k["late"]),
        links.sla(PERIOD, figures.due_end, [SLA_MET, SLA_MISSED]): ids(k["weekend"], k["holiday"], k["late"]),
        links.escalated(PERIOD, level=1): ids(k["late"]),
        links.escalated(PERIOD, level=2): ids(k["late"]),
        links.escalated(PERIOD, level=3): set(),
        links.escalated(PERIOD, appeal=True): ids(k["weekend"]),
        links.rated(PERIOD): ids(k["weekend"], k["holiday"]),
        links.rated(PERIOD, ratings=[1, 2]): ids(k["weekend"]),
        links.received(PERIOD, circle): ids(k["weekend"], k["holiday"], k["late"], k["rejected"]),
        links.open_now("mh"): ids(k["late"]),
        links.received_in_hour(at(16, 17)): ids(k["weekend"]),
        links.received_in_category(at(20, 0), "other"): ids(k["late"]),
    }
    for link, tickets in expected.items():
        assert tickets_behind(link, user) == tickets, link
    # And the figures count as many as their links list.
    assert figures.total.received == len(expected[links.received(PERIOD)])
    assert figures.total.due_missed == len(expected[links.sla(PERIOD, figures.due_end, [SLA_MISSED])])
    assert figures.escalations_by_level[1] == len(expected[links.escalated(PERIOD, level=1)])


def test_the_weeks_hours_todays_categories_and_rising_words(people):
    from tickets.dashboard.periods import hour_start, period_from
    from tickets.models import Category, Incident

    user, now = people["supervisor"], timezone.now()
    this_hour = hour_start(now)
    billing = Category.objects.get_or_create(code="billing", defaults={"name_en": "Wrong bill"})[0]
    earlier = TicketFactory(department=department("BSNL"), created_at=this_hour - timezone.timedelta(hours=30))
    billed = TicketFactory.create_batch(2, department=department("BSNL"), category=billing, created_at=now)
    surge = Incident.objects.create(
        title="Fibre cut in Pune", department=department("BSNL"), signature={"keys": ["fibre", "pune"]}
    )
    TicketFactory(department=department("BSNL"), incident=surge, created_at=now)
    figures = dashboard_figures(user=user, period=period_from({}, now=now), now=now)

    assert len(figures.volume) == 7 * 24
    assert figures.volume[-1].hour == this_hour
    assert figures.volume[-1].received == 3
    [before] = [bar for bar in figures.volume if bar.hour == this_hour - timezone.timedelta(hours=30)]
    assert before.received == 1
    assert tickets_behind(links.received_in_hour(before.hour), user) == ids(earlier)
    assert [(row.code, row.received) for row in figures.categories_today] == [("billing", 2), ("other", 1)]
    day_start = this_hour.replace(hour=0)
    assert tickets_behind(links.received_in_category(day_start, "billing"), user) == ids(*billed)
    assert [(word.word, word.tickets) for word in figures.rising_words] == [("fibre", 1), ("pune", 1)]
    assert figures.open_incidents == 1
    assert len(tickets_behind(links.incident_tickets(surge.pk), user)) == 1


def test_a_user_of_one_department_sees_nothing_of_anothers(people, known):
    posts = dashboard_figures(user=people["posts_auditor"], period=PERIOD, now=timezone.now())
    assert (posts.total.received, posts.total.open, posts.total.due_missed) == (1, 1, 1)
    assert [row.department.code for row in posts.departments] == ["POSTS"]
    assert (posts.escalations_by_level, posts.appeals, posts.rated_tickets) == ({1: 0, 2: 0, 3: 0}, 0, 0)
    assert posts.first_response.tickets == 0
    assert tickets_behind(links.received(PERIOD), people["posts_auditor"]) == ids(known["posts"])


def test_the_rollup_follows_every_change_at_once(people, known):
    """Written by triggers: a transfer moved its count, a delete takes it away, nothing is left over."""
    rows = DashboardRollup.objects.filter(hour__gte=PERIOD.start, hour__lt=PERIOD.end)
    assert sum(rows.filter(department_id=department("POSTS").id).values_list("received", flat=True)) == 1
    assert sum(rows.filter(department_id=department("BSNL").id).values_list("received", flat=True)) == 5
    known["rejected"].messages.all().delete()
    known["rejected"].delete()
    assert sum(rows.filter(department_id=department("BSNL").id).values_list("received", flat=True)) == 4


def test_the_dashboard_page_reads_a_fixed_number_of_queries(client, people, known):
    client.force_login(people["supervisor"])
    url = reverse("workspace:dashboard")
    params = {"period": "range", "start": "2026-10-16", "end": "2026-10-22"}

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured)

    few = count()
    for day in range(16, 23):
        TicketFactory.create_batch(
            3, department=department("BSNL"), unit=department("BSNL_UP"), created_at=at(day, 11)
        )
    assert count() == few == 17


@pytest.mark.django_db(transaction=True)
def test_the_rollup_is_emptied_with_the_tickets(seeded):
    TicketFactory(department=department("BSNL"))
    assert DashboardRollup.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_ticket CASCADE")
    assert not DashboardRollup.objects.exists()


def test_compacting_the_rollup_keeps_every_figure(people, known):
    from tickets.dashboard.services import dashboard_rollup_compact
    from tickets.models import DashboardDuration, DashboardOpen

    def figures():
        found = dashboard_figures(user=people["supervisor"], period=PERIOD, now=timezone.now())
        return found.total, found.first_response, found.resolution, [row.counts for row in found.units]

    # Two more in the weekend ticket's hour, each its own statement: its key has three deltas.
    TicketFactory.create_batch(2, department=department("BSNL"), unit=department("BSNL_MH"), created_at=at(16, 17, 45))
    before, rows = (
        figures(),
        DashboardRollup.objects.count() + DashboardDuration.objects.count() + DashboardOpen.objects.count(),
    )
    assert dashboard_rollup_compact() > 0
    assert DashboardRollup.objects.count() + DashboardDuration.objects.count() + DashboardOpen.objects.count() < rows
    assert figures() == before
    assert before[0].received == 5 + 2
    assert dashboard_rollup_compact() == 0  # nothing left to fold


def test_open_and_past_a_target_now_whatever_the_hour_of_the_target(people):
    from tickets.dashboard.periods import hour_start, period_from

    user, now = people["supervisor"], timezone.now()
    this_hour = hour_start(now)
    hour = timezone.timedelta(hours=1)
    bsnl = department("BSNL")

    def open_ticket(**fields):
        return TicketFactory(department=bsnl, **{"status": Status.IN_PROGRESS, **fields})

    hours_ago = open_ticket(resolution_due_at=this_hour - 2 * hour)
    this_hour_passed = open_ticket(resolution_due_at=this_hour + (now - this_hour) / 2)
    ahead = open_ticket(resolution_due_at=now + timezone.timedelta(minutes=10))
    no_target = open_ticket()
    paused_before = open_ticket(
        status=Status.AWAITING_CITIZEN, resolution_due_at=now - hour, sla_paused_at=now - 2 * hour
    )
    TicketFactory(department=bsnl, status=Status.RESOLVED, resolution_due_at=this_hour - 2 * hour)

    figures = dashboard_figures(user=user, period=period_from({}, now=now), now=now)
    assert (figures.total.open, figures.total.breached) == (5, 2)
    assert tickets_behind(links.open_now(), user) == ids(hours_ago, this_hour_passed, ahead, no_target, paused_before)
    assert tickets_behind(links.breached(), user) == ids(hours_ago, this_hour_passed)
