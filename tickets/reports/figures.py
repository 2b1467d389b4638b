"""The accountability report: for each department and unit a user may report on, what it received,
resolved and left open in a period of India's dates, how it kept its SLA targets, how fast it
answered, what was escalated and how citizens rated it; per officer; and day by day.

Definitions (the period is [start 00:00 IST, end + 1 day 00:00 IST)):

- received: tickets created in the period; rejected: of those, the ones now rejected (merged
  duplicates included; a rejection has no time of its own, so it is counted with its cohort).
- resolved: tickets whose resolution time falls in the period, whenever they were received (a
  ticket reopened since has no resolution time and is not counted).
- open at the end: created before the period's end, not rejected, and neither resolved nor closed
  before it.
- SLA compliance, per target, over the tickets received in the period that have the target: met
  (answered or resolved by the due time) / (met + missed); missed is answered or resolved late, or
  still open past the due time (a paused clock stops at the pause). Tickets whose target is not due
  yet are neither. "breached" is `tickets.models.ticket_breached_q`, the dashboard's definition.
- times (hours, wall clock from the ticket's creation): to first response, over the tickets received
  in the period that have been answered; to resolution, over the tickets resolved in the period.
  Median and 90th percentile are PostgreSQL's percentile_cont (interpolated).
- escalations: raised in the period on the scope's tickets, by level (SLA and appeals alike), how
  many have been acknowledged, the median hours to acknowledge, and how many were appeals.
- feedback: ratings given in the period, their count and average.
- officers: tickets resolved in the period by assignee, with the median hours to resolution.

Every number comes from a fixed handful of aggregate queries, whatever the number of tickets: each
reads the scoped tickets (`Ticket.objects.visible_to`, narrowed to the departments the user may
report on) as a derived table and groups them in PostgreSQL.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import SUPERVISING_ROLES, Department, Role
from departments.selectors import department_roles
from seva.errors import AppError
from tickets.lifecycle import Status
from tickets.models import (
    Escalation,
    Feedback,
    Ticket,
    first_response_missed_q,
    resolution_missed_q,
    ticket_breached_q,
)

REPORT_TIMEZONE = "Asia/Kolkata"
_IST = ZoneInfo(REPORT_TIMEZONE)
MAX_PERIOD_DAYS = 366
# X began in 2006; the bounds keep "end + 1 day" and the time-zone arithmetic far from date.max.
EARLIEST_DATE = date(2006, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# Who may read and export the report (officers may not); superusers (ministry admins) always may.
REPORTING_ROLES = frozenset({*SUPERVISING_ROLES, Role.AUDITOR})
NOT_A_REPORTER = _("Only supervisors, department admins and auditors may see reports.")


# The report's refusals are the application's errors (the API and the workspace show them as any
# other) and stay Django's own too, so the export command and Django's views handle them as before.
class ReportForbidden(AppError, PermissionDenied):
    """The user holds no reporting role there: HTTP 403."""

    http_status = 403

    def __init__(self) -> None:
        super().__init__("permission_denied", NOT_A_REPORTER)


class ReportInputInvalid(AppError, ValidationError):
    """A bad period or an unknown department, by field: HTTP 400 (`message_dict` as Django's)."""

    def __init__(self, fields: dict[str, list]) -> None:
        super().__init__("invalid", _("Invalid input."), fields)
        self.error_dict = ValidationError(fields).error_dict


class ReportDepartmentNotFound(AppError, Department.DoesNotExist):
    """A department the user cannot see: HTTP 404, as an absent one (existence does not leak)."""

    http_status = 404

    def __init__(self) -> None:
        super().__init__("not_found", _("Not found."))


@dataclass(frozen=True, slots=True)
class ScopeRow:
    """The figures of the whole report (level "total", code None), a department, or a unit."""

    level: str
    code: str | None
    name_en: str
    name_hi: str
    received: int = 0
    resolved: int = 0
    open_at_end: int = 0
    rejected: int = 0
    first_response_met: int = 0
    first_response_missed: int = 0
    first_response_compliance_percent: float | None = None
    resolution_met: int = 0
    resolution_missed: int = 0
    resolution_compliance_percent: float | None = None
    breached: int = 0
    first_response_median_hours: float | None = None
    first_response_p90_hours: float | None = None
    resolution_median_hours: float | None = None
    resolution_p90_hours: float | None = None
    escalations_l1: int = 0
    escalations_l2: int = 0
    escalations_l3: int = 0
    escalations_acknowledged: int = 0
    acknowledge_median_hours: float | None = None
    appeals: int = 0
    feedback_count: int = 0
    feedback_average_rating: float | None = None


@dataclass(frozen=True, slots=True)
class OfficerRow:
    username: str | None  # None: tickets resolved while nobody was assigned
    name: str
    resolved: int
    resolution_median_hours: float | None


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


def report_period_errors(*, start: date, end: date) -> dict[str, list[str]]:
    """What is wrong with a period, by field; empty when it is a valid one."""
    errors: dict[str, list[str]] = {}
    for name, value in (("start", start), ("end", end)):
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            errors[name] = [
                format_lazy(_("Give a date from {earliest} to {latest}."), earliest=EARLIEST_DATE, latest=LATEST_DATE)
            ]
    if errors:
        return errors
    if end < start:
        errors["end"] = [_("The end is before the start.")]
    elif (end - start).days + 1 > MAX_PERIOD_DAYS:
        errors["end"] = [format_lazy(_("A report covers at most {days} days."), days=MAX_PERIOD_DAYS)]
    return errors


def report_period_bounds(*, start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) in India's time."""
    return datetime.combine(start, time.min, _IST), datetime.combine(end + timedelta(days=1), time.min, _IST)


def report_department_check(*, department_code: str | None, roles: dict[int, set[str]] | None) -> Department | None:
    """The department a user asks to report on (None: all they may report on), checked against
    `roles` (`department_roles` of the user; None for a superuser, who may report on anything).

    Raises ReportInputInvalid for an unknown code (400), ReportDepartmentNotFound for one the user
    cannot see (404, so existence does not leak), and ReportForbidden where they hold no reporting
    role (403)."""
    if not department_code:
        if roles is not None and not any(held & REPORTING_ROLES for held in roles.values()):
            raise ReportForbidden
        return None
    department = Department.objects.filter(code__iexact=department_code.strip()).first()
    if department is None:
        raise ReportInputInvalid({"department": [_("No such department.")]})
    if roles is not None:
        if department.pk not in roles:
            raise ReportDepartmentNotFound
        if not roles[department.pk] & REPORTING_ROLES:
            raise ReportForbidden
    return department


def accountability_report(
    *, user, department_code: str | None, start: date, end: date, now: datetime | None = None
) -> AccountabilityReport:
    """The report of `department_code` and everything under it (or of all the user may report on).
    Raises ReportInputInvalid, ReportDepartmentNotFound or ReportForbidden (see report_department_check)."""
    errors = report_period_errors(start=start, end=end)
    if errors:
        raise ReportInputInvalid(errors)
    now = now or timezone.now()
    roles = None if user.is_superuser else department_roles(user=user)
    department = report_department_check(department_code=department_code, roles=roles)
    departments = _departments_in_report(roles=roles, department=department)
    tickets = _tickets_in_report(user=user, department=department, department_ids=[d["id"] for d in departments])
    starts_at, ends_at = report_period_bounds(start=start, end=end)

    ticket_figures = _ticket_figures(tickets=tickets, starts_at=starts_at, ends_at=ends_at, now=now)
    escalation_figures = _escalation_figures(tickets=tickets, starts_at=starts_at, ends_at=ends_at)
    feedback_figures = _feedback_figures(tickets=tickets, starts_at=starts_at, ends_at=ends_at)
    root = Department.objects.filter(parent__isnull=True).order_by("id").values("name_en", "name_hi").first() or {}

    rows = []
    total_name = ("All departments", "सभी विभाग")
    for level, code, key, name_en, name_hi in [
        ("total", None, ("total", None), *total_name),
        *((d["level"], d["code"], (d["level"], d["id"]), d["name_en"], d["name_hi"]) for d in departments),
    ]:
        figures = {**ticket_figures.get(key, {}), **escalation_figures.get(key, {}), **feedback_figures.get(key, {})}
        rows.append(ScopeRow(level=level, code=code, name_en=name_en, name_hi=name_hi, **figures))
    return AccountabilityReport(
        organisation_en=root.get("name_en", ""),
        organisation_hi=root.get("name_hi", ""),
        department_code=department.code if department else None,
        department_name_en=department.name_en if department else total_name[0],
        department_name_hi=department.name_in("hi") if department else total_name[1],
        start=start,
        end=end,
        timezone=REPORT_TIMEZONE,
        generated_at=timezone.localtime(now, _IST),
        generated_by=user.get_username(),
        rows=rows,
        officers=_officer_rows(tickets=tickets, starts_at=starts_at, ends_at=ends_at),
        daily=_daily_rows(tickets=tickets, start=start, end=end),
    )


def _departments_in_report(*, roles: dict[int, set[str]] | None, department: Department | None) -> list[dict]:
    """The departments and units the report has a row for, in tree order (each department followed
    by what is below it): `department` and all below it (else every tree), among those the user
    may report on. A role covers a whole subtree, so walking down from `department` finds them all."""
    departments = Department.objects.all()
    if roles is not None:
        departments = departments.filter(id__in=[pk for pk, held in roles.items() if held & REPORTING_ROLES])
    found = list(departments.values("id", "code", "name_en", "name_hi", "parent_id", "is_unit").order_by("code"))
    ids = {entry["id"] for entry in found}
    children: dict[int | None, list[dict]] = {}
    for entry in found:
        entry["level"] = "unit" if entry["is_unit"] else "department"
        children.setdefault(entry["parent_id"] if entry["parent_id"] in ids else None, []).append(entry)

    ordered: list[dict] = []
    tops = [entry for entry in found if entry["id"] == department.pk] if department else children.get(None, [])
    stack = list(reversed(tops))
    while stack:
        entry = stack.pop()
        ordered.append(entry)
        stack.extend(reversed(children.get(entry["id"], [])))
    return ordered


def _tickets_in_report(*, user, department: Department | None, department_ids: list[int]) -> QuerySet[Ticket]:
    tickets = Ticket.objects.visible_to(user)
    if user.is_superuser and department is None:
        return tickets
    # Narrower than what the user sees: only where they hold a reporting role, under `department`.
    return tickets.filter(Q(department_id__in=department_ids) | Q(unit_id__in=department_ids))


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


def _percent(met: int, missed: int) -> float | None:
    return round(100 * met / (met + missed), 1) if met + missed else None


def _ticket_figures(
    *, tickets: QuerySet[Ticket], starts_at: datetime, ends_at: datetime, now: datetime
) -> dict[tuple[str, int | None], dict]:
    """Volume, SLA compliance and times per group: one scan of the scoped tickets created before the
    period's end. The row-level conditions are ORM expressions (so breaches are the selectors' own);
    the grouping and the percentiles are SQL the ORM cannot write."""
    received = Q(created_at__gte=starts_at)
    rows = tickets.filter(created_at__lt=ends_at).values(
        "department_id",
        "unit_id",
        "created_at",
        "first_responded_at",
        "resolved_at",
        received=_flag(received),
        rejected=_flag(received & Q(status=Status.REJECTED)),
        resolved_in_period=_flag(Q(resolved_at__gte=starts_at, resolved_at__lt=ends_at)),
        open_at_end=_flag(
            ~Q(status=Status.REJECTED)
            & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=ends_at))
            & (Q(closed_at__isnull=True) | Q(closed_at__gte=ends_at))
        ),
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
    counted += ("resolution_met", "resolution_missed", "breached")
    counts = ", ".join(f"count(*) FILTER (WHERE t.{name}) AS {name}" for name in counted)
    sql = f"""
        SELECT {_GROUPING}, {counts},
               count(*) FILTER (WHERE t.resolved_in_period) AS resolved,
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (
                   ORDER BY extract(epoch FROM t.first_responded_at - t.created_at)
               ) FILTER (WHERE t.received AND t.first_responded_at IS NOT NULL) AS first_response_seconds,
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (
                   ORDER BY extract(epoch FROM t.resolved_at - t.created_at)
               ) FILTER (WHERE t.resolved_in_period) AS resolution_seconds
          FROM ({inner}) t
        {_GROUPING_SETS}
    """  # noqa: S608 - the text is ours; every value is a parameter  # nosec B608

    def figures(row: dict) -> dict:
        first_response = row["first_response_seconds"] or [None, None]
        resolution = row["resolution_seconds"] or [None, None]
        return {
            **{name: row[name] for name in (*counted, "resolved")},
            "first_response_compliance_percent": _percent(row["first_response_met"], row["first_response_missed"]),
            "resolution_compliance_percent": _percent(row["resolution_met"], row["resolution_missed"]),
            "first_response_median_hours": _hours(first_response[0]),
            "first_response_p90_hours": _hours(first_response[1]),
            "resolution_median_hours": _hours(resolution[0]),
            "resolution_p90_hours": _hours(resolution[1]),
        }

    return _by_group(_fetch(sql, params), figures)


def _escalation_figures(
    *, tickets: QuerySet[Ticket], starts_at: datetime, ends_at: datetime
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


def _feedback_figures(
    *, tickets: QuerySet[Ticket], starts_at: datetime, ends_at: datetime
) -> dict[tuple[str, int | None], dict]:
    rows = Feedback.objects.filter(
        ticket__in=tickets.values("id"), created_at__gte=starts_at, created_at__lt=ends_at
    ).values("rating", department_id=F("ticket__department_id"), unit_id=F("ticket__unit_id"))
    inner, params = _sql(rows)
    sql = f"""
        SELECT {_GROUPING}, count(*) AS feedback_count, avg(t.rating)::float8 AS feedback_average
          FROM ({inner}) t
        {_GROUPING_SETS}
    """  # noqa: S608 - constant text and ORM-compiled subqueries  # nosec B608

    def figures(row: dict) -> dict:
        average = row["feedback_average"]
        return {
            "feedback_count": row["feedback_count"],
            "feedback_average_rating": None if average is None else round(average, 2),
        }

    return _by_group(_fetch(sql, params), figures)


def _officer_rows(*, tickets: QuerySet[Ticket], starts_at: datetime, ends_at: datetime) -> list[OfficerRow]:
    """Tickets resolved in the period, per assignee (who owned the ticket when it was resolved)."""
    rows = tickets.filter(resolved_at__gte=starts_at, resolved_at__lt=ends_at).values(
        "assigned_to_id", "created_at", "resolved_at"
    )
    inner, params = _sql(rows)
    sql = f"""
        SELECT u.username, COALESCE(NULLIF(u.display_name, ''), u.username, '') AS name, count(*) AS resolved,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM t.resolved_at - t.created_at)
               ) AS resolution_seconds
          FROM ({inner}) t LEFT JOIN {User._meta.db_table} u ON u.id = t.assigned_to_id
         GROUP BY t.assigned_to_id, u.username, u.display_name
         ORDER BY resolved DESC, u.username NULLS LAST
    """  # noqa: S608 - constant text and ORM-compiled subqueries  # nosec B608
    return [
        OfficerRow(
            username=row["username"],
            name=row["name"] or "(unassigned)",
            resolved=row["resolved"],
            resolution_median_hours=_hours(row["resolution_seconds"]),
        )
        for row in _fetch(sql, params)
    ]


def _daily_rows(*, tickets: QuerySet[Ticket], start: date, end: date) -> list[DayRow]:
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
