"""Reads of the daily digest: who receives it, and the figures of one recipient's scope for one day.

Definitions (the day is India's: [day 00:00 IST, day + 1 00:00 IST)):

- received: tickets created that day; of them, P1 (urgent).
- resolved: tickets whose resolution time falls in the day.
- targets due: SLA targets (first response, resolution) whose due time fell in the day; met when
  answered or resolved by it, missed by `tickets.models.first_response_missed_q` /
  `resolution_missed_q` (the dashboard's and the report's rule); compliance is met / (met + missed).
- breached: tickets with a target due in the day that they missed.
- open now, and open past a target now (`ticket_breached_q`), when the digest is built.
- worst units: the departments and units (a ticket counts for its unit, else its department) that
  missed targets due in the day, lowest compliance first, then most missed.
- open incidents now; ratings given in the day, their count and average, and the lowest (1 or 2).

A recipient's scope is the tickets they see (`Ticket.objects.visible_to`) where they hold a role the
digest reports for (supervisor, department admin, auditor: the accountability report's own, so the
attached PDF covers the same tickets); a ministry admin (superuser) sees everything. The figures
cost a fixed number of queries per recipient (DIGEST_QUERIES), one pass over their tickets, whatever
their number.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import DailyDigestSent
from departments.models import Department, Membership, Role
from departments.selectors import department_ids_in_scope_sql
from tickets.lifecycle import OPEN_STATUSES, Priority
from tickets.models import (
    Feedback,
    Incident,
    IncidentStatus,
    Ticket,
    first_response_missed_q,
    resolution_missed_q,
    ticket_breached_q,
)
from tickets.selectors import incident_list

DIGEST_TIMEZONE = ZoneInfo("Asia/Kolkata")
# The roles whose departments a recipient's digest covers (the accountability report's).
DIGEST_SCOPE_ROLES = (Role.SUPERVISOR, Role.DEPARTMENT_ADMIN, Role.AUDITOR)
# Who gets it, besides ministry admins (superusers): supervisors anywhere, and the ministry's office,
# those holding one of DIGEST_SCOPE_ROLES on a ministry (a root department).
MINISTRY_OFFICE_ROLES = DIGEST_SCOPE_ROLES
WORST_UNITS_SHOWN = 5
INCIDENTS_SHOWN = 5
LOW_RATINGS_SHOWN = 10
LOW_RATING_MOST = 2
# What the figures of one recipient cost: one grouped pass over their tickets, the worst units' names,
# the open incidents (count, list), the ratings (aggregate, lowest); one fewer when no unit missed a
# target. Pinned by the tests.
DIGEST_QUERIES = 6


@dataclass(frozen=True, slots=True)
class UnitRow:
    code: str
    name_en: str
    name_hi: str
    targets_due: int
    targets_met: int
    targets_missed: int

    @property
    def compliance_percent(self) -> float:
        return _percent(self.targets_met, self.targets_missed) or 0.0

    def name_in(self, language: str | None) -> str:
        return self.name_hi if self.name_hi and (language or "").startswith("hi") else self.name_en


@dataclass(frozen=True, slots=True)
class IncidentRow:
    id: int
    title: str
    scope_code: str
    tickets_count: int
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class RatingRow:
    number: str
    rating: int
    comment: str
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class DailyDigest:
    day: date
    starts_at: datetime
    ends_at: datetime
    received: int = 0
    received_urgent: int = 0
    resolved: int = 0
    first_response_due: int = 0
    first_response_met: int = 0
    first_response_missed: int = 0
    resolution_due: int = 0
    resolution_met: int = 0
    resolution_missed: int = 0
    breached: int = 0
    open_now: int = 0
    open_breached_now: int = 0
    incidents_open: int = 0
    ratings_count: int = 0
    ratings_average: float | None = None
    worst_units: list[UnitRow] = field(default_factory=list)
    incidents: list[IncidentRow] = field(default_factory=list)
    low_ratings: list[RatingRow] = field(default_factory=list)

    @property
    def targets_due(self) -> int:
        return self.first_response_due + self.resolution_due

    @property
    def targets_missed(self) -> int:
        return self.first_response_missed + self.resolution_missed

    @property
    def targets_met(self) -> int:
        return self.first_response_met + self.resolution_met

    @property
    def compliance_percent(self) -> float | None:
        """Of the targets due that day that were met or missed (one paused before its due time is neither)."""
        return _percent(self.targets_met, self.targets_missed)


def _percent(met: int, missed: int) -> float | None:
    return round(100 * met / (met + missed), 1) if met + missed else None


def digest_day_bounds(*, day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, time.min, DIGEST_TIMEZONE), datetime.combine(
        day + timedelta(days=1), time.min, DIGEST_TIMEZONE
    )


def digest_yesterday(*, now: datetime) -> date:
    """The day a digest sent at `now` covers: yesterday, in India."""
    return now.astimezone(DIGEST_TIMEZONE).date() - timedelta(days=1)


def _receives_q() -> Q:
    """Users the digest is for (their own choice aside): ministry admins, supervisors, the ministry's office."""
    holds = Membership.objects.filter(user_id=OuterRef("pk"), department__is_active=True).filter(
        Q(role=Role.SUPERVISOR) | Q(role__in=MINISTRY_OFFICE_ROLES, department__parent__isnull=True)
    )
    return Q(is_active=True) & (Q(is_superuser=True) | Exists(holds))


def digest_is_for(*, user) -> bool:
    """Whether the daily digest is meant for this user (whether they want it or not): the settings page asks."""
    if not user.is_authenticated:
        return False
    return get_user_model().objects.filter(_receives_q(), pk=user.pk).exists()


def digest_recipients(*, day: date) -> QuerySet:
    """Who is still owed the digest of `day`: those it is for who want it, have an address, and have
    not been sent it yet. One query."""
    sent = DailyDigestSent.objects.filter(user_id=OuterRef("pk"), day=day)
    return (
        get_user_model()
        .objects.filter(_receives_q(), receives_daily_digest=True)
        .exclude(email="")
        .exclude(Exists(sent))
        .order_by("id")
    )


def digest_already_sent(*, user, day: date) -> bool:
    return DailyDigestSent.objects.filter(user=user, day=day).exists()


def _in_digest_scope(user, queryset: QuerySet) -> QuerySet:
    """Narrowed to the departments and units where `user` holds a role the digest reports for."""
    if user.is_superuser:
        return queryset
    scope = department_ids_in_scope_sql(user=user, roles=DIGEST_SCOPE_ROLES)
    return queryset.filter(Q(department_id__in=scope) | Q(unit_id__in=scope))


def digest_tickets(*, user) -> QuerySet[Ticket]:
    """The tickets a recipient's digest counts: those they see, where they supervise or audit."""
    return _in_digest_scope(user, Ticket.objects.visible_to(user))


# The counts of the day, per department or unit (a ticket counts for its unit, else its department):
# additive, so the totals are their sums and the worst units are these same rows.
_COUNTED = (
    "received",
    "received_urgent",
    "resolved",
    "first_response_due",
    "first_response_met",
    "first_response_missed",
    "resolution_due",
    "resolution_met",
    "resolution_missed",
    "breached",
    "open_now",
    "open_breached_now",
)


def _day_counts(*, tickets: QuerySet[Ticket], starts_at: datetime, ends_at: datetime, now: datetime) -> list[dict]:
    """One grouped read of the recipient's tickets (a single pass, whatever their number): each count
    of _COUNTED per department or unit."""
    first_response_due = Q(first_response_due_at__gte=starts_at, first_response_due_at__lt=ends_at)
    resolution_due = Q(resolution_due_at__gte=starts_at, resolution_due_at__lt=ends_at)
    first_response_missed = first_response_due & first_response_missed_q(now)
    resolution_missed = resolution_due & resolution_missed_q(now)
    received = Q(created_at__gte=starts_at, created_at__lt=ends_at)
    resolved = Q(resolved_at__gte=starts_at, resolved_at__lt=ends_at)
    is_open = Q(status__in=sorted(OPEN_STATUSES))
    return list(
        tickets.filter(received | resolved | is_open | first_response_due | resolution_due)
        .annotate(scope_id=Coalesce("unit_id", "department_id"))
        .values("scope_id")
        .annotate(
            received=Count("id", filter=received),
            received_urgent=Count("id", filter=received & Q(priority=Priority.P1)),
            resolved=Count("id", filter=resolved),
            first_response_due=Count("id", filter=first_response_due),
            first_response_met=Count(
                "id", filter=first_response_due & Q(first_responded_at__lte=F("first_response_due_at"))
            ),
            first_response_missed=Count("id", filter=first_response_missed),
            resolution_due=Count("id", filter=resolution_due),
            resolution_met=Count("id", filter=resolution_due & Q(resolved_at__lte=F("resolution_due_at"))),
            resolution_missed=Count("id", filter=resolution_missed),
            breached=Count("id", filter=first_response_missed | resolution_missed),
            open_now=Count("id", filter=is_open),
            open_breached_now=Count("id", filter=is_open & ticket_breached_q(now)),
        )
        .order_by()
    )


def daily_digest(*, user, day: date, now: datetime) -> DailyDigest:
    """The figures of `user`'s scope for `day`, as of `now`; DIGEST_QUERIES queries."""
    starts_at, ends_at = digest_day_bounds(day=day)
    tickets = digest_tickets(user=user)
    by_scope = _day_counts(tickets=tickets, starts_at=starts_at, ends_at=ends_at, now=now)
    totals = {name: sum(row[name] for row in by_scope) for name in _COUNTED}

    incidents = _in_digest_scope(user, incident_list(user=user).filter(status=IncidentStatus.OPEN))
    ratings = Feedback.objects.filter(
        ticket__in=tickets.values("id"), created_at__gte=starts_at, created_at__lt=ends_at
    )
    rated = ratings.aggregate(ratings_count=Count("id"), ratings_average=Avg("rating"))
    average = rated["ratings_average"]
    return DailyDigest(
        day=day,
        starts_at=starts_at,
        ends_at=ends_at,
        **totals,
        incidents_open=incidents.count(),
        ratings_count=rated["ratings_count"],
        ratings_average=None if average is None else round(average, 2),
        worst_units=_worst_units(by_scope),
        incidents=_incident_rows(incidents),
        low_ratings=[
            RatingRow(number=row["number"], rating=row["rating"], comment=row["comment"], rated_at=row["created_at"])
            for row in ratings.filter(rating__lte=LOW_RATING_MOST)
            .order_by("rating", "created_at", "id")
            .values("rating", "comment", "created_at", number=F("ticket__number"))[:LOW_RATINGS_SHOWN]
        ],
    )


def _worst_units(by_scope: list[dict]) -> list[UnitRow]:
    """The departments and units that missed targets due in the day, lowest compliance (highest share
    missed) first, then most missed; with their names (one query for the few shown)."""
    rows = [
        {
            "scope_id": row["scope_id"],
            "due": row["first_response_due"] + row["resolution_due"],
            "met": row["first_response_met"] + row["resolution_met"],
            "missed": row["first_response_missed"] + row["resolution_missed"],
        }
        for row in by_scope
    ]
    rows = [row for row in rows if row["missed"]]
    worst = sorted(
        rows, key=lambda row: (-row["missed"] / (row["met"] + row["missed"]), -row["missed"], row["scope_id"])
    )
    worst = worst[:WORST_UNITS_SHOWN]
    if not worst:
        return []
    names = {
        entry["id"]: entry
        for entry in Department.objects.filter(id__in=[row["scope_id"] for row in worst]).values(
            "id", "code", "name_en", "name_hi"
        )
    }
    return [
        UnitRow(
            code=names[row["scope_id"]]["code"],
            name_en=names[row["scope_id"]]["name_en"],
            name_hi=names[row["scope_id"]]["name_hi"],
            targets_due=row["due"],
            targets_met=row["met"],
            targets_missed=row["missed"],
        )
        for row in worst
    ]


def _incident_rows(incidents: QuerySet[Incident]) -> list[IncidentRow]:
    return [
        IncidentRow(
            id=incident.pk,
            title=incident.title,
            scope_code=(incident.unit or incident.department).code,
            tickets_count=incident.tickets_count,
            opened_at=incident.opened_at,
        )
        for incident in incidents.order_by("-tickets_count", "opened_at", "id")[:INCIDENTS_SHOWN]
    ]
