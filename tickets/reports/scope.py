"""What a report covers and who may have it: the period (India's dates), the department (or every
department the user may report on), the refusals, and the scoped tickets every figure and every
ticket row is read from (`Ticket.objects.visible_to`, narrowed to where the user holds a reporting
role)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from departments.models import REPORTING_ROLES, Department
from departments.selectors import department_roles
from seva.errors import AppError
from tickets.models import Ticket

REPORT_TIMEZONE = "Asia/Kolkata"
IST = ZoneInfo(REPORT_TIMEZONE)
MAX_PERIOD_DAYS = 366
# X began in 2006; the bounds keep "end + 1 day" and the time-zone arithmetic far from date.max.
EARLIEST_DATE = date(2006, 1, 1)
LATEST_DATE = date(2100, 12, 31)
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
class ReportScope:
    """One report's reader, department, period and tickets, checked."""

    user: object
    department: Department | None  # None: every department the user may report on
    # The departments and units the report has a row for, in tree order: dicts of id, code, name_en,
    # name_hi, parent_id, is_unit and level ("department" or "unit").
    departments: list[dict]
    tickets: QuerySet  # every ticket of the scope, whenever created
    start: date
    end: date
    starts_at: datetime  # start 00:00 IST
    ends_at: datetime  # end + 1 day 00:00 IST
    now: datetime

    @property
    def department_ids(self) -> list[int]:
        return [entry["id"] for entry in self.departments]

    @property
    def received(self) -> QuerySet:
        """The tickets received in the period: the report's ticket rows."""
        return self.tickets.filter(created_at__gte=self.starts_at, created_at__lt=self.ends_at)


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
    return datetime.combine(start, time.min, IST), datetime.combine(end + timedelta(days=1), time.min, IST)


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


def report_scope(
    *, user, department_code: str | None, start: date, end: date, now: datetime | None = None
) -> ReportScope:
    """The checked scope of a report of `department_code` and everything under it (or of all the
    user may report on). Raises ReportInputInvalid, ReportDepartmentNotFound or ReportForbidden
    (see report_department_check)."""
    errors = report_period_errors(start=start, end=end)
    if errors:
        raise ReportInputInvalid(errors)
    roles = None if user.is_superuser else department_roles(user=user)
    department = report_department_check(department_code=department_code, roles=roles)
    departments = _departments_in_report(roles=roles, department=department)
    starts_at, ends_at = report_period_bounds(start=start, end=end)
    return ReportScope(
        user=user,
        department=department,
        departments=departments,
        tickets=_tickets_in_report(user=user, department=department, department_ids=[d["id"] for d in departments]),
        start=start,
        end=end,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now or timezone.now(),
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
