"""The accountability report's figures: for each department and unit a user may report on, what it
received, resolved and left open in a period of India's dates, how it kept its SLA targets, how fast
it answered (in business hours), what was escalated, transferred and appealed, and how citizens
rated it; per officer; and day by day. The per-ticket rows are `tickets.reports.ticket_rows`.

Definitions (the period is [start 00:00 IST, end + 1 day 00:00 IST)):

- received: tickets created in the period; rejected: of those, the ones now rejected (merged
  duplicates included; a rejection has no time of its own, so it is counted with its cohort).
- resolved: tickets whose resolution time falls in the period, whenever they were received (a
  ticket reopened since has no resolution time and is not counted); resolved within SLA: of those
  with a resolution target, the ones resolved by it (and its share of them).
- open at the end: created before the period's end, not rejected, and neither resolved nor closed
  before it.
- SLA compliance, per target, over the tickets received in the period that have the target: met
  (answered or resolved by the due time) / (met + missed); missed is answered or resolved late, or
  still open past the due time (a paused clock stops at the pause). Tickets whose target is not due
  yet are neither. "breached" is `tickets.models.ticket_breached_q`, the dashboard's definition.
- times, in business hours of the ticket's governing calendar (`Ticket.first_response_business_seconds`
  and `resolution_business_seconds`, working time only: evenings, weekly offs and holidays do not
  count): to first response, over the tickets received in the period that have been answered; to
  resolution, over the tickets resolved in the period. Median and 90th percentile are PostgreSQL's
  percentile_cont (interpolated).
- escalations: raised in the period on the scope's tickets, by level (SLA and appeals alike), how
  many have been acknowledged, the median wall-clock hours to acknowledge, and how many were
  appeals (a citizen appealing a low rating).
- transfers: made in the period, out of (by the department and unit the ticket left) and into (by
  the department it went to) each department the user may report on: what that department's own
  staff did or received, whoever holds the ticket now.
- feedback: ratings given in the period, their count, average, and how many (and what share) were
  a 1 or a 2.
- officers: per officer, the tickets assigned to them in the period (assignment events), and of the
  tickets resolved in the period those they held at resolution, within SLA and the business hours
  taken, and the ratings given in the period on the tickets they hold.

Every number comes from a fixed handful of aggregate queries, whatever the number of tickets: each
reads the scoped tickets (`ReportScope.tickets`) as a derived table and groups them in PostgreSQL.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from departments.selectors import department_ministries
from tickets.lifecycle import Status
from tickets.models import (
    AuditEvent,
    Escalation,
    EventKind,
    Feedback,
    first_response_missed_q,
    resolution_missed_q,
    ticket_breached_q,
)
from tickets.reports.scope import (
    IST,
    MAX_PERIOD_DAYS,
    REPORT_TIMEZONE,
    REPORTING_ROLES,
    ReportDepartmentNotFound,
    ReportForbidden,
    ReportInputInvalid,
    ReportScope,
    report_period_bounds,
    report_period_errors,
    report_scope,
)

__all__ = [
    "MAX_PERIOD_DAYS",
    "REPORTING_ROLES",
    "AccountabilityReport",
    "DayRow",
    "OfficerRow",
    "ReportDepartmentNotFound",
    "ReportForbidden",
    "ReportInputInvalid",
    "ScopeRow",
    "accountability_report",
    "first_response_missed_q",
    "report_figures",
    "report_period_errors",
    "resolution_missed_q",
]

# A rating of 1 or 2 out of 5: the citizen was not satisfied.
LOW_RATING_MAX = 2


@dataclass(frozen=True, slots=True)
class ScopeRow:
    """The figures of the whole report (level "total", code None), a department, or a unit."""

    level: str
    code: str | None
    name_en: str
    name_hi: str
    received: int = 0
    resolved: int = 0
    resolved_within_sla: int = 0
    resolved_within_sla_percent: float | None = None
    open_at_end: int = 0
    rejected: int = 0
    first_response_met: int = 0
    first_response_missed: int = 0
    first_response_compliance_percent: float | None = None
    resolution_met: int = 0
    resolution_missed: int = 0
    resolution_compliance_percent: float | None = None
    breached: int = 0
    first_response_median_business_hours: float | None = None
    first_response_p90_business_hours: float | None = None
    resolution_median_business_hours: float | None = None
    resolution_p90_business_hours: float | None = None
    escalations_l1: int = 0
    escalations_l2: int = 0
    escalations_l3: int = 0
    escalations_acknowledged: int = 0
    acknowledge_median_hours: float | None = None
    appeals: int = 0
    transfers_out: int = 0
    transfers_in: int = 0
    feedback_count: int = 0
    feedback_average_rating: float | None = None
    feedback_low_count: int = 0
    feedback_low_percent: float | None = None


@dataclass(frozen=True, slots=True)
class OfficerRow:
    username: str | None  # None: tickets resolved while nobody was assigned
    name: str
    assigned: int
    resolved: int
    resolved_within_sla: int
    resolved_within_sla_percent: float | None
    resolution_median_business_hours: float | None
    resolution_p90_business_hours: float | None
    feedback_count: int
    feedback_average_rating: float | None
    feedback_low_percent: float | None


@dataclass(frozen=True, slots=True)
class DayRow:
    day: date
    received: int
    resolved: int


@dataclass(frozen=True, slots=True)
class AccountabilityReport:
    organisation_en: str
    organisation_hi: str
    department_code: str | None  # None: every department the user may report on
    department_name_en: str
    department_name_hi: str
    start: date
    end: date
    timezone: str
    generated_at: datetime
    generated_by: str
    rows: list[ScopeRow] = field(default_factory=list)
    officers: list[OfficerRow] = field(default_factory=list)
    daily: list[DayRow] = field(default_factory=list)

    @property
    def total(self) -> ScopeRow:
        return self.rows[0]

    def row_counts(self) -> dict[str, int]:
        return {"scopes": len(self.rows), "officers": len(self.officers), "days": len(self.daily)}


TOTAL_NAME = ("All departments", "सभी विभाग")


def accountability_report(
    *, user, department_code: str | None, start: date, end: date, now: datetime | None = None
) -> AccountabilityReport:
    """The report of `department_code` and everything under it (or of all the user may report on).
    Raises ReportInputInvalid, ReportDepartmentNotFound or ReportForbidden (see report_department_check)."""
    return report_figures(report_scope(user=user, department_code=department_code, start=start, end=end, now=now))


def report_figures(scope: ReportScope) -> AccountabilityReport:
    """The summary figures of a checked scope."""
    tickets, starts_at, ends_at = scope.tickets, scope.starts_at, scope.ends_at
    ticket_figures = _ticket_figures(tickets=tickets, starts_at=starts_at, ends_at=ends_at, now=scope.now)
    escalation_figures = _escalation_figures(tickets=tickets, starts_at=starts_at, ends_at=ends_at)
    transfer_figures = _transfer_figures(scope)
    feedback_figures = _feedback_figures(tickets=tickets, starts_at=starts_at, ends_at=ends_at)
    # The organisation is the ministry of what the report covers (each of them, for a superuser's
    # report of everything), never another ministry's.
    ministries = department_ministries(department_ids=scope.department_ids)
    root = {
        "name_en": " · ".join(m["name_en"] for m in ministries),
        "name_hi": " · ".join(m["name_hi"] or m["name_en"] for m in ministries),
    }

    rows = []
    for level, code, key, name_en, name_hi in [
        ("total", None, ("total", None), *TOTAL_NAME),
        *((d["level"], d["code"], (d["level"], d["id"]), d["name_en"], d["name_hi"]) for d in scope.departments),
    ]:
        figures = {
            **ticket_figures.get(key, {}),
            **escalation_figures.get(key, {}),
            **transfer_figures.get(key, {}),
            **feedback_figures.get(key, {}),
        }
        rows.append(ScopeRow(level=level, code=code, name_en=name_en, name_hi=name_hi, **figures))
    department = scope.department
    return AccountabilityReport(
        organisation_en=root.get("name_en", ""),
        organisation_hi=root.get("name_hi", ""),
        department_code=department.code if department else None,
        department_name_en=department.name_en if department else TOTAL_NAME[0],
        department_name_hi=department.name_in("hi") if department else TOTAL_NAME[1],
        start=scope.start,
        end=scope.end,
        timezone=REPORT_TIMEZONE,
        generated_at=timezone.localtime(scope.now, IST),
        generated_by=scope.user.get_username(),
        rows=rows,
        officers=_officer_rows(tickets=tickets, starts_at=starts_at, ends_at=ends_at),
        daily=_daily_rows(tickets=tickets, start=scope.start, end=scope.end),
    )


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _sql(queryset: QuerySet) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _fetch(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# Rows of the whole report, of each department and of each unit, from one GROUP BY. Unit rows of
# tickets without a unit (unit_id NULL) are dropped by the caller.
_GROUPING = """
    GROUPING(t.department_id) AS across_departments, GROUPING(t.unit_id) AS across_units, t.department_id, t.unit_id
"""
_GROUPING_SETS = "GROUP BY GROUPING SETS ((), (t.department_id), (t.unit_id))"


def _group_key(row: dict) -> tuple[str, int | None] | None:
    if row["across_departments"] and row["across_units"]:
        return ("total", None)
    if not row["across_departments"]:
        return ("department", row["department_id"])
    return ("unit", row["unit_id"]) if row["unit_id"] is not None else None


def _by_group(rows: list[dict], figures) -> dict[tuple[str, int | None], dict]:
    return {key: figures(row) for row in rows if (key := _group_key(row)) is not None}


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _rating(average: float | None) -> float | None:
    return None if average is None else round(average, 2)


def _ticket_figures(
    *, tickets: QuerySet, starts_at: datetime, ends_at: datetime, now: datetime
) -> dict[tuple[str, int | None], dict]:
    """Volume, SLA compliance and business times per group: one scan of the scoped tickets created
    before the period's end. The row-level conditions are ORM expressions (so breaches are the
    selectors' own); the grouping and the percentiles are SQL the ORM cannot write."""
    received = Q(created_at__gte=starts_at)
    resolved_in_period = Q(resolved_at__gte=starts_at, resolved_at__lt=ends_at)
    rows = tickets.filter(created_at__lt=ends_at).values(
        "department_id",
        "unit_id",
        "first_response_business_seconds",
        "resolution_business_seconds",
        received=_flag(received),
        rejected=_flag(received & Q(status=Status.REJECTED)),
        resolved_in_period=_flag(resolved_in_period),
        resolved_with_target=_flag(resolved_in_period & Q(resolution_due_at__isnull=False)),
        resolved_within_sla=_flag(resolved_in_period & Q(resolved_at__lte=F("resolution_due_at"))),
        open_at_end=_flag(
            ~Q(status=Status.REJECTED)
            & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=ends_at))
            & (Q(closed_at__isnull=True) | Q(closed_at__gte=ends_at))
        ),
        answered=_flag(received & Q(first_responded_at__isnull=False)),
        first_response_met=_flag(received & Q(first_responded_at__lte=F("first_response_due_at"))),
        first_response_missed=_flag(received & Q(first_response_due_at__isnull=False) & first_response_missed_q(now)),
        resolution_met=_flag(received & Q(resolved_at__lte=F("resolution_due_at"))),
        resolution_missed=_flag(received & Q(resolution_due_at__isnull=False) & resolution_missed_q(now)),
        breached=_flag(
            received
            & (Q(first_response_due_at__isnull=False) | Q(resolution_due_at__isnull=False))
            & ticket_breached_q(now)
        ),
    )
    inner, params = _sql(rows)
    counted = ("received", "rejected", "open_at_end", "first_response_met", "first_response_missed")
    counted += ("resolution_met", "resolution_missed", "breached", "resolved_within_sla", "resolved_with_target")
    counts = ", ".join(f"count(*) FILTER (WHERE t.{name}) AS {name}" for name in counted)
    sql = f"""
        SELECT {_GROUPING}, {counts},
               count(*) FILTER (WHERE t.resolved_in_period) AS resolved,
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY t.first_response_business_seconds)
                   FILTER (WHERE t.answered) AS first_response_seconds,
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY t.resolution_business_seconds)
                   FILTER (WHERE t.resolved_in_period) AS resolution_seconds
          FROM ({inner}) t
        {_GROUPING_SETS}
    """  # noqa: S608 - the text is ours; every value is a parameter  # nosec B608

    def figures(row: dict) -> dict:
        first_response = row["first_response_seconds"] or [None, None]
        resolution = row["resolution_seconds"] or [None, None]
        met, missed = row["first_response_met"], row["first_response_missed"]
        resolution_met, resolution_missed = row["resolution_met"], row["resolution_missed"]
        return {
            **{name: row[name] for name in (*counted, "resolved") if name != "resolved_with_target"},
            "resolved_within_sla_percent": _percent(row["resolved_within_sla"], row["resolved_with_target"]),
            "first_response_compliance_percent": _percent(met, met + missed),
            "resolution_compliance_percent": _percent(resolution_met, resolution_met + resolution_missed),
            "first_response_median_business_hours": _hours(first_response[0]),
            "first_response_p90_business_hours": _hours(first_response[1]),
            "resolution_median_business_hours": _hours(resolution[0]),
            "resolution_p90_business_hours": _hours(resolution[1]),
        }

    return _by_group(_fetch(sql, params), figures)


def _escalation_figures(
    *, tickets: QuerySet, starts_at: datetime, ends_at: datetime
) -> dict[tuple[str, int | None], dict]:
    """Escalations raised in the period, grouped by their ticket's department and unit (not by whom
    they notified: an L3 notifies the ministry, but the ticket is the department's to answer for)."""
    rows = Escalation.objects.filter(
        ticket__in=tickets.values("id"), raised_at__gte=starts_at, raised_at__lt=ends_at
    ).values(
        "level",
        "reason",
        "raised_at",
        "acknowledged_at",
        department_id=F("ticket__department_id"),
        unit_id=F("ticket__unit_id"),
    )
    inner, params = _sql(rows)
    sql = f"""
        SELECT {_GROUPING},
               count(*) FILTER (WHERE t.level = 1) AS escalations_l1,
               count(*) FILTER (WHERE t.level = 2) AS escalations_l2,
               count(*) FILTER (WHERE t.level = 3) AS escalations_l3,
               count(t.acknowledged_at) AS escalations_acknowledged,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM t.acknowledged_at - t.raised_at)
               ) AS acknowledge_seconds,
               count(*) FILTER (WHERE t.reason = %s) AS appeals
          FROM ({inner}) t
        {_GROUPING_SETS}
    """  # noqa: S608 - constant text and ORM-compiled subqueries  # nosec B608

    def figures(row: dict) -> dict:
        counted = ("escalations_l1", "escalations_l2", "escalations_l3", "escalations_acknowledged", "appeals")
        return {
            **{name: row[name] for name in counted},
            "acknowledge_median_hours": _hours(row["acknowledge_seconds"]),
        }

    # The reason's parameter comes first: it sits in the SELECT list, before the derived table.
    return _by_group(_fetch(sql, [Escalation.Reason.APPEAL.value, *params]), figures)


def _transfer_figures(scope: ReportScope) -> dict[tuple[str, int | None], dict]:
    """Transfers made in the period out of and into the report's departments: a department answers
    for the tickets it sent away, which it no longer sees, so these count its own acts (the
    TRANSFERRED events name the departments by code) rather than the tickets it holds now."""
    codes = {entry["code"]: (entry["level"], entry["id"]) for entry in scope.departments}
    events = AuditEvent.objects.filter(
        kind=EventKind.TRANSFERRED, created_at__gte=scope.starts_at, created_at__lt=scope.ends_at
    )
    if not scope.user.is_superuser or scope.department is not None:
        events = events.filter(
            Q(data__from__in=list(codes)) | Q(data__from_unit__in=list(codes)) | Q(data__to__in=list(codes))
        )
    rows = events.values(from_department=F("data__from"), from_unit=F("data__from_unit"), to_department=F("data__to"))
    inner, params = _sql(rows)
    sql = f"""
        SELECT e.from_department #>> '{{}}' AS from_department, e.from_unit #>> '{{}}' AS from_unit,
               e.to_department #>> '{{}}' AS to_department, count(*) AS transfers
          FROM ({inner}) e
         GROUP BY 1, 2, 3
    """  # noqa: S608 - constant text and an ORM-compiled subquery  # nosec B608
    figures: dict[tuple[str, int | None], dict] = {}

    def add(key: tuple[str, int | None] | None, name: str, count: int) -> None:
        if key is not None:
            counts = figures.setdefault(key, {"transfers_out": 0, "transfers_in": 0})
            counts[name] += count

    for row in _fetch(sql, params):
        sent_by = [codes.get(row["from_department"])]
        if row["from_unit"]:
            sent_by.append(codes.get(row["from_unit"]))
        received_by = codes.get(row["to_department"])
        for key in sent_by:
            add(key, "transfers_out", row["transfers"])
        add(received_by, "transfers_in", row["transfers"])
        if any(sent_by):
            add(("total", None), "transfers_out", row["transfers"])
        if received_by:
            add(("total", None), "transfers_in", row["transfers"])
    return figures


def _feedback_figures(
    *, tickets: QuerySet, starts_at: datetime, ends_at: datetime
) -> dict[tuple[str, int | None], dict]:
    rows = Feedback.objects.filter(
        ticket__in=tickets.values("id"), created_at__gte=starts_at, created_at__lt=ends_at
    ).values("rating", department_id=F("ticket__department_id"), unit_id=F("ticket__unit_id"))
    inner, params = _sql(rows)
    sql = f"""
        SELECT {_GROUPING}, count(*) AS feedback_count, avg(t.rating)::float8 AS feedback_average,
               count(*) FILTER (WHERE t.rating <= %s) AS feedback_low_count
          FROM ({inner}) t
        {_GROUPING_SETS}
    """  # noqa: S608 - constant text and ORM-compiled subqueries  # nosec B608

    def figures(row: dict) -> dict:
        return {
            "feedback_count": row["feedback_count"],
            "feedback_average_rating": _rating(row["feedback_average"]),
            "feedback_low_count": row["feedback_low_count"],
            "feedback_low_percent": _percent(row["feedback_low_count"], row["feedback_count"]),
        }

    return _by_group(_fetch(sql, [LOW_RATING_MAX, *params]), figures)


def _officer_rows(*, tickets: QuerySet, starts_at: datetime, ends_at: datetime) -> list[OfficerRow]:
    """Per officer: tickets assigned to them in the period, tickets resolved in the period while
    theirs (who held each when it was resolved), and the period's ratings of the tickets they hold."""
    resolved_sql, resolved_params = _sql(
        tickets.filter(resolved_at__gte=starts_at, resolved_at__lt=ends_at).values(
            "assigned_to_id",
            "resolution_business_seconds",
            with_target=_flag(Q(resolution_due_at__isnull=False)),
            within_sla=_flag(Q(resolved_at__lte=F("resolution_due_at"))),
        )
    )
    assigned_sql, assigned_params = _sql(
        AuditEvent.objects.filter(
            kind=EventKind.ASSIGNED,
            created_at__gte=starts_at,
            created_at__lt=ends_at,
            ticket_id__in=tickets.values("id"),
        ).values("ticket_id", assignee=F("data__assignee_id"))
    )
    rated_sql, rated_params = _sql(
        Feedback.objects.filter(
            ticket__in=tickets.values("id"), created_at__gte=starts_at, created_at__lt=ends_at
        ).values("rating", officer_id=F("ticket__assigned_to_id"))
    )
    sql = f"""
        WITH resolved AS (
            SELECT r.assigned_to_id AS officer_id, count(*) AS resolved,
                   count(*) FILTER (WHERE r.within_sla) AS within_sla,
                   count(*) FILTER (WHERE r.with_target) AS with_target,
                   percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY r.resolution_business_seconds)
                       AS resolution_seconds
              FROM ({resolved_sql}) r GROUP BY r.assigned_to_id
        ), assigned AS (
            SELECT (a.assignee #>> '{{}}')::bigint AS officer_id, count(DISTINCT a.ticket_id) AS assigned
              FROM ({assigned_sql}) a GROUP BY 1
        ), rated AS (
            SELECT f.officer_id, count(*) AS ratings, avg(f.rating)::float8 AS average,
                   count(*) FILTER (WHERE f.rating <= %s) AS low
              FROM ({rated_sql}) f GROUP BY f.officer_id
        ), officers AS (
            SELECT officer_id FROM resolved UNION SELECT officer_id FROM assigned
            UNION SELECT officer_id FROM rated WHERE officer_id IS NOT NULL
        )
        SELECT u.username, COALESCE(NULLIF(u.display_name, ''), u.username, '') AS name,
               COALESCE(a.assigned, 0) AS assigned, COALESCE(r.resolved, 0) AS resolved,
               COALESCE(r.within_sla, 0) AS within_sla, COALESCE(r.with_target, 0) AS with_target,
               r.resolution_seconds, COALESCE(f.ratings, 0) AS ratings, f.average, COALESCE(f.low, 0) AS low
          FROM officers o
          LEFT JOIN resolved r ON r.officer_id IS NOT DISTINCT FROM o.officer_id
          LEFT JOIN assigned a ON a.officer_id = o.officer_id
          LEFT JOIN rated f ON f.officer_id = o.officer_id
          LEFT JOIN {User._meta.db_table} u ON u.id = o.officer_id
         ORDER BY COALESCE(r.resolved, 0) DESC, COALESCE(a.assigned, 0) DESC, u.username NULLS LAST
    """  # noqa: S608 - constant text and ORM-compiled subqueries  # nosec B608
    rows = []
    for row in _fetch(sql, [*resolved_params, *assigned_params, LOW_RATING_MAX, *rated_params]):
        resolution = row["resolution_seconds"] or [None, None]
        rows.append(
            OfficerRow(
                username=row["username"],
                name=row["name"] or "(unassigned)",
                assigned=row["assigned"],
                resolved=row["resolved"],
                resolved_within_sla=row["within_sla"],
                resolved_within_sla_percent=_percent(row["within_sla"], row["with_target"]),
                resolution_median_business_hours=_hours(resolution[0]),
                resolution_p90_business_hours=_hours(resolution[1]),
                feedback_count=row["ratings"],
                feedback_average_rating=_rating(row["average"]),
                feedback_low_percent=_percent(row["low"], row["ratings"]),
            )
        )
    return rows


def _daily_rows(*, tickets: QuerySet, start: date, end: date) -> list[DayRow]:
    """Received and resolved per India's day, every day of the period (zero where none)."""
    starts_at, ends_at = report_period_bounds(start=start, end=end)
    received = tickets.filter(created_at__gte=starts_at, created_at__lt=ends_at).values(moment=F("created_at"))
    resolved = tickets.filter(resolved_at__gte=starts_at, resolved_at__lt=ends_at).values(moment=F("resolved_at"))
    received_sql, received_params = _sql(received)
    resolved_sql, resolved_params = _sql(resolved)
    sql = f"""
        SELECT d.day, count(*) FILTER (WHERE d.received) AS received,
               count(*) FILTER (WHERE NOT d.received) AS resolved
          FROM (
                SELECT (r.moment AT TIME ZONE %s)::date AS day, true AS received FROM ({received_sql}) r
                UNION ALL
                SELECT (s.moment AT TIME ZONE %s)::date AS day, false AS received FROM ({resolved_sql}) s
               ) d
         GROUP BY d.day
    """  # noqa: S608 - constant text and ORM-compiled subqueries  # nosec B608
    params = [REPORT_TIMEZONE, *received_params, REPORT_TIMEZONE, *resolved_params]
    by_day = {row["day"]: (row["received"], row["resolved"]) for row in _fetch(sql, params)}
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [DayRow(day, *by_day.get(day, (0, 0))) for day in days]
