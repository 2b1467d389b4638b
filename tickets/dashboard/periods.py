"""The dashboard's period: today (the default), this week, this month, or a chosen range of India's
days. A period is a half-open range of India's time, [start, end)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

# The rollup counts India's hours (migration 0016), so periods are India's days.
INDIA = ZoneInfo("Asia/Kolkata")
TODAY, WEEK, MONTH, RANGE = "today", "week", "month", "range"
PERIOD_CHOICES = [
    (TODAY, _("Today")),
    (WEEK, _("This week")),
    (MONTH, _("This month")),
    (RANGE, _("Chosen dates")),
]
MAX_RANGE_DAYS = 366


class PeriodError(ValueError):
    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(fields)
        self.fields = fields


@dataclass(frozen=True)
class Period:
    kind: str
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, datetime.min.time(), INDIA)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), datetime.min.time(), INDIA)

    def due_end(self, now: datetime) -> datetime:
        """Where "due in the period" stops: the period's end, or the start of the current hour if
        sooner (targets still ahead are not yet met or missed; the rollup counts whole hours)."""
        return min(self.end, hour_start(now))


def hour_start(moment: datetime) -> datetime:
    return moment.astimezone(INDIA).replace(minute=0, second=0, microsecond=0)


def today_in_india(now: datetime) -> date:
    return now.astimezone(INDIA).date()


def _day(value: str | None, name: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise PeriodError({name: [str(_("Give a date as YYYY-MM-DD."))]}) from None


def period_from(params, *, now: datetime) -> Period:
    """The period a request asks for (`period`, and `start`, `end` for a range); PeriodError when it
    is not one (the caller shows today's with the error)."""
    kind = params.get("period") or TODAY
    today = today_in_india(now)
    if kind == TODAY:
        return Period(TODAY, today, today)
    if kind == WEEK:
        return Period(WEEK, today - timedelta(days=today.weekday()), today)
    if kind == MONTH:
        return Period(MONTH, today.replace(day=1), today)
    if kind != RANGE:
        raise PeriodError({"period": [str(_("Choose today, this week, this month or dates."))]})
    first, last = _day(params.get("start"), "start"), _day(params.get("end"), "end")
    if last < first:
        raise PeriodError({"end": [str(_("The last day cannot be before the first."))]})
    if (last - first).days >= MAX_RANGE_DAYS:
        raise PeriodError({"end": [str(_("Choose at most %(days)s days.") % {"days": MAX_RANGE_DAYS})]})
    if first.year < 2000 or last.year > 9998:
        raise PeriodError({"start": [str(_("Choose dates between the years 2000 and 9998."))]})
    return Period(RANGE, first, last)
