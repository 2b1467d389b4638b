"""What the dashboard shows, for a user's scope and a period, in a fixed number of queries whatever
the data. Counts of a period come from the rollup (tickets.models.DashboardRollup, an hour a row,
kept by triggers); what is open now, and breached, from the queue's urgency index; escalations,
appeals and ratings from their time indexes. Each figure carries the queue filters of the tickets
it counts (tickets.dashboard.links)."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from departments.models import Department
from departments.selectors import department_ids_in_scope_sql, department_list_visible
from tickets.dashboard.periods import Period, hour_start, today_in_india
from tickets.models import (
    OTHER_CATEGORY,
    DashboardDuration,
    DashboardOpen,
    DashboardRollup,
    Escalation,
    Feedback,
    IncidentStatus,
    Ticket,
)
from tickets.selectors import incident_list

VOLUME_HOURS = 7 * 24
TOP_CATEGORIES = 5
RISING_WORDS = 12
# A rating at or below this is a poor one (CSAT's "share of 1 and 2").
POOR_RATING = 2


@dataclass
class Counts:
    """The figures of one row (the whole scope, a department, a unit or a state)."""

    received: int = 0
    resolved: int = 0
    open: int = 0
    breached: int = 0
    due: int = 0
    due_met: int = 0
    due_waiting: int = 0

    @property
    def due_missed(self) -> int:
        return self.due - self.due_met - self.due_waiting

    @property
    def compliance_percent(self) -> float | None:
        decided = self.due_met + self.due_missed
        return round(100 * self.due_met / decided, 1) if decided else None

    def add(self, other: "Counts") -> None:
        for name in ("received", "resolved", "open", "breached", "due", "due_met", "due_waiting"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ScopeRow:
    department: Department
    counts: Counts = field(default_factory=Counts)


@dataclass(frozen=True)
class HourCount:
    hour: datetime
    received: int


@dataclass(frozen=True)
class CategoryCount:
    code: str
    name_en: str
    name_hi: str
    received: int


@dataclass(frozen=True)
class BusinessTimes:
    """Median and 90th percentile of one measure's business times over the period, in seconds
    (None when no ticket was timed), read from the histogram (within 1.3%: bucket_minutes)."""

    tickets: int = 0
    median_seconds: int | None = None
    p90_seconds: int | None = None


def bucket_minutes(bucket: int) -> float:
    """The middle of histogram bucket `bucket` (DashboardDuration): the minutes m it stands for."""
    return math.exp((bucket + 0.5) / 40) - 1


def _percentile(histogram: list[tuple[int, int]], share: float) -> int | None:
    """Nearest rank over (bucket, tickets) sorted by bucket: the time of the ticket at rank
    ceil(share * n)."""
    total = sum(count for _, count in histogram)
    if not total:
        return None
    rank, seen = max(1, math.ceil(share * total)), 0
    for bucket, count in histogram:
        seen += count
        if seen >= rank:
            return round(bucket_minutes(bucket) * 60)
    return None


@dataclass(frozen=True)
class RisingWord:
    word: str
    incident_id: int
    incident_title: str
    tickets: int


@dataclass
class DashboardFigures:
    period: Period
    now: datetime
    due_end: datetime
    total: Counts
    departments: list[ScopeRow]
    units: list[ScopeRow]
    states: dict[str, Counts]
    volume: list[HourCount]
    categories_today: list[CategoryCount]
    escalations_by_level: dict[int, int]
    appeals: int
    ratings: int
    rated_tickets: int
    rating_average: float | None
    poor_ratings: int
    poor_rated_tickets: int
    open_incidents: int
    rising_words: list[RisingWord]
    first_response: BusinessTimes
    resolution: BusinessTimes

    @property
    def poor_rating_percent(self) -> float | None:
        return round(100 * self.poor_ratings / self.ratings, 1) if self.ratings else None


def _scoped(queryset: QuerySet, user, *, prefix: str = "") -> QuerySet:
    """Rows of departments and units in the user's scope: the tickets' own rule (visible_to)."""
    if user.is_superuser:
        return queryset
    scope = department_ids_in_scope_sql(user=user)
    return queryset.filter(Q(**{f"{prefix}department_id__in": scope}) | Q(**{f"{prefix}unit_id__in": scope}))


def _period_counts(user, period: Period, due_end: datetime) -> dict[tuple[int, int | None], Counts]:
    in_period = Q(hour__gte=period.start, hour__lt=period.end)
    due = Q(hour__gte=period.start, hour__lt=due_end)
    rows = (
        _scoped(DashboardRollup.objects.filter(hour__gte=period.start, hour__lt=period.end), user)
        .values("department_id", "unit_id")
        .annotate(
            received_sum=Coalesce(Sum("received", filter=in_period), 0),
            resolved_sum=Coalesce(Sum("resolved", filter=in_period), 0),
            due_sum=Coalesce(Sum("due", filter=due), 0),
            due_met_sum=Coalesce(Sum("due_met", filter=due), 0),
            due_waiting_sum=Coalesce(Sum("due_waiting", filter=due), 0),
        )
        .order_by()
    )
    return {
        (row["department_id"], row["unit_id"]): Counts(
            received=row["received_sum"],
            resolved=row["resolved_sum"],
            due=row["due_sum"],
            due_met=row["due_met_sum"],
            due_waiting=row["due_waiting_sum"],
        )
        for row in rows
    }


def _open_counts(user, now: datetime) -> dict[tuple[int, int | None], tuple[int, int]]:
    """Open tickets now, and those past a target, per department and unit: from DashboardOpen, by the
    hour of each open ticket's urgency key (Ticket.queue_due_at: before now is breached), and for the
    current hour, whose keys are partly still ahead, the few open tickets of it from the urgency index.
    Two queries."""
    this_hour = hour_start(now)
    rows = (
        _scoped(DashboardOpen.objects.all(), user)
        .values("department_id", "unit_id")
        .annotate(
            open=Coalesce(Sum("tickets"), 0), breached=Coalesce(Sum("tickets", filter=Q(due_hour__lt=this_hour)), 0)
        )
        .order_by()
    )
    counts = {(row["department_id"], row["unit_id"]): (row["open"], row["breached"]) for row in rows}
    late_this_hour = (
        Ticket.objects.visible_to(user)
        .filter(queue_due_at__gte=this_hour, queue_due_at__lt=now)
        .values("department_id", "unit_id")
        .annotate(late=Count("id"))
        .order_by()
    )
    for row in late_this_hour:
        key = (row["department_id"], row["unit_id"])
        open_count, breached = counts.get(key, (0, 0))
        counts[key] = (open_count, breached + row["late"])
    return counts


def _volume(user, now: datetime) -> list[HourCount]:
    last = hour_start(now)
    first = last - timedelta(hours=VOLUME_HOURS - 1)
    counts = dict(
        _scoped(DashboardRollup.objects.filter(hour__gte=first, hour__lte=last), user)
        .values("hour")
        .annotate(count=Sum("received"))
        .order_by()
        .values_list("hour", "count")
    )
    hours = [first + timedelta(hours=offset) for offset in range(VOLUME_HOURS)]
    return [HourCount(hour=hour, received=counts.get(hour, 0)) for hour in hours]


def _categories_today(user, now: datetime) -> list[CategoryCount]:
    today = today_in_india(now)
    start = datetime.combine(today, datetime.min.time(), tzinfo=hour_start(now).tzinfo)
    rows = (
        _scoped(DashboardRollup.objects.filter(hour__gte=start, hour__lt=start + timedelta(days=1)), user)
        .values("category_id", "category__name_en", "category__name_hi")
        .annotate(count=Sum("received"))
        .filter(count__gt=0)
        .order_by("-count", "category_id")[:TOP_CATEGORIES]
    )
    return [
        CategoryCount(
            code=row["category_id"] or OTHER_CATEGORY,
            name_en=row["category__name_en"] or "",
            name_hi=row["category__name_hi"] or "",
            received=row["count"],
        )
        for row in rows
    ]


def _business_times(user, period: Period) -> tuple[BusinessTimes, BusinessTimes]:
    """First response (of tickets answered in the period) and resolution (of those resolved in it)."""
    rows = (
        _scoped(DashboardDuration.objects.filter(day__gte=period.first_day, day__lte=period.last_day), user)
        .values("measure", "bucket")
        .annotate(count=Sum("tickets"))
        .filter(count__gt=0)
        .order_by("measure", "bucket")
        .values_list("measure", "bucket", "count")
    )
    histograms: dict[int, list[tuple[int, int]]] = {measure: [] for measure in DashboardDuration.Measure.values}
    for measure, bucket, count in rows:
        histograms[measure].append((bucket, count))
    times = [
        BusinessTimes(
            tickets=sum(count for _, count in histograms[measure]),
            median_seconds=_percentile(histograms[measure], 0.5),
            p90_seconds=_percentile(histograms[measure], 0.9),
        )
        for measure in (DashboardDuration.Measure.FIRST_RESPONSE, DashboardDuration.Measure.RESOLUTION)
    ]
    return times[0], times[1]


def _escalations(user, period: Period) -> tuple[dict[int, int], int]:
    """Tickets escalated in the period (for a target passed), per level; and tickets appealed."""
    tickets = Ticket.objects.visible_to(user)
    rows = (
        Escalation.objects.filter(raised_at__gte=period.start, raised_at__lt=period.end, ticket__in=tickets)
        .values("level", "reason")
        .annotate(tickets=Count("ticket_id", distinct=True))
        .order_by()
    )
    by_level = dict.fromkeys(Escalation.Level.values, 0)
    appeals = 0
    for row in rows:
        if row["reason"] == Escalation.Reason.SLA:
            by_level[row["level"]] = row["tickets"]
        else:
            appeals += row["tickets"]
    return by_level, appeals


def _ratings(user, period: Period) -> dict:
    tickets = Ticket.objects.visible_to(user)
    poor = Q(rating__lte=POOR_RATING)
    return Feedback.objects.filter(
        created_at__gte=period.start, created_at__lt=period.end, ticket__in=tickets
    ).aggregate(
        ratings=Count("id"),
        rated_tickets=Count("ticket_id", distinct=True),
        average=Avg("rating"),
        poor=Count("id", filter=poor),
        poor_tickets=Count("ticket_id", filter=poor, distinct=True),
    )


def _incidents(user, now: datetime) -> tuple[int, list[RisingWord]]:
    """Open incidents in scope; and the day's rising words: those shared by the surges that opened
    an incident today (tickets.triage.surge's signature keys), each with its incident."""
    start = datetime.combine(today_in_india(now), datetime.min.time(), tzinfo=hour_start(now).tzinfo)
    rows = list(
        incident_list(user=user)
        .filter(status=IncidentStatus.OPEN)
        .values("id", "title", "opened_at", "signature", held=F("tickets_count"))
    )
    words: list[RisingWord] = []
    seen: set[str] = set()
    for row in rows:
        if row["opened_at"] < start:
            continue
        keys = (row["signature"] or {}).get("keys", []) if isinstance(row["signature"], dict) else []
        for key in keys:
            if isinstance(key, str) and key not in seen and len(words) < RISING_WORDS:
                seen.add(key)
                words.append(
                    RisingWord(word=key, incident_id=row["id"], incident_title=row["title"], tickets=row["held"])
                )
    return len(rows), words


def dashboard_figures(*, user, period: Period, now: datetime) -> DashboardFigures:
    """Every figure of the dashboard for `user`'s scope over `period`: eleven queries, whatever the data."""
    due_end = period.due_end(now)
    departments = list(department_list_visible(user=user).order_by("code"))
    period_counts = _period_counts(user, period, due_end)
    open_counts = _open_counts(user, now)
    by_id = {department.id: ScopeRow(department) for department in departments}
    total = Counts()
    states: dict[str, Counts] = {}
    for key in period_counts.keys() | open_counts.keys():
        counts = period_counts.get(key) or Counts()
        counts.open, counts.breached = open_counts.get(key, (0, 0))
        department_id, unit_id = key
        total.add(counts)
        for row_id in (department_id, unit_id):
            if row_id in by_id:
                by_id[row_id].counts.add(counts)
        unit = by_id.get(unit_id)
        if unit is not None and unit.department.state_code:
            states.setdefault(unit.department.state_code, Counts()).add(counts)
    levels, appeals = _escalations(user, period)
    ratings = _ratings(user, period)
    open_incidents, rising_words = _incidents(user, now)
    average = ratings["average"]
    first_response, resolution = _business_times(user, period)
    return DashboardFigures(
        period=period,
        now=now,
        due_end=due_end,
        total=total,
        departments=[row for row in by_id.values() if not row.department.is_unit],
        units=[row for row in by_id.values() if row.department.is_unit],
        states=states,
        volume=_volume(user, now),
        categories_today=_categories_today(user, now),
        escalations_by_level=levels,
        appeals=appeals,
        ratings=ratings["ratings"],
        rated_tickets=ratings["rated_tickets"],
        rating_average=round(average, 2) if average is not None else None,
        poor_ratings=ratings["poor"],
        poor_rated_tickets=ratings["poor_tickets"],
        open_incidents=open_incidents,
        rising_words=rising_words,
        first_response=first_response,
        resolution=resolution,
    )
