"""Business time: the working time of one calendar, counted and added in its wall clock.

Pure arithmetic on datetimes, no database: the SLA targets (tickets.sla.targets) give each
department its clock, and the services (tickets.sla.services) use it to move due times.
"""

import bisect
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTE_US = 60_000_000
DAY_US = 24 * 60 * MINUTE_US
ONE_DAY = timedelta(days=1)


def _us(moment: time | datetime) -> int:
    """Microseconds since midnight of a wall-clock time."""
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + moment.microsecond


class BusinessClock:
    """Working time of one calendar: weekly periods (several a day), weekly offs and holidays.

    Counting skips whole weeks arithmetically (a week's working time less its holidays' from a
    prefix sum), so a 21-day target costs a handful of steps, not a loop over minutes.
    """

    __slots__ = ("_holiday_us", "_holidays", "_week_us", "_weekday_us", "periods", "zone")

    def __init__(self, *, timezone: str, periods: Iterable[tuple[int, int, int]], holidays: Iterable[date]):
        """`periods`: (weekday 0-6, start, end) in microseconds since local midnight."""
        self.zone = ZoneInfo(timezone)
        by_day: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for weekday, start, end in sorted(periods):
            spans = by_day[weekday]
            # Overlapping periods are merged so no minute counts twice.
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], end))
            else:
                spans.append((start, end))
        self.periods: tuple[tuple[tuple[int, int], ...], ...] = tuple(tuple(spans) for spans in by_day)
        self._weekday_us = tuple(sum(end - start for start, end in spans) for spans in self.periods)
        self._week_us = sum(self._weekday_us)
        if not self._week_us:
            raise ValueError("a business calendar needs at least one working period")
        # Holidays on weekly offs cost nothing; the prefix sums give the working time lost in any range.
        self._holidays = sorted({day for day in holidays if self._weekday_us[day.weekday()]})
        self._holiday_us = [0]
        for day in self._holidays:
            self._holiday_us.append(self._holiday_us[-1] + self._weekday_us[day.weekday()])

    @classmethod
    def from_times(
        cls, *, timezone: str, periods: Iterable[tuple[int, time, time]], holidays: Iterable[date] = ()
    ) -> "BusinessClock":
        return cls(
            timezone=timezone,
            periods=[(weekday, _us(starts), _us(ends)) for weekday, starts, ends in periods],
            holidays=holidays,
        )

    @classmethod
    def round_the_clock(cls, *, timezone: str) -> "BusinessClock":
        return cls(timezone=timezone, periods=[(weekday, 0, DAY_US) for weekday in range(7)], holidays=())

    def add_business_minutes(self, start: datetime, minutes: int) -> datetime:
        """The moment `minutes` of working time after `start`; a target that fills a period exactly
        ends with it (13:00, not 14:00 after lunch)."""
        return self.add_business_time(start, timedelta(minutes=minutes))

    def business_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole minutes of working time from `a` to `b`; negative when `b` is before `a`."""
        if b < a:
            return -self.business_minutes_between(b, a)
        return self._between_us(a, b) // MINUTE_US

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        remaining = duration // timedelta(microseconds=1)
        if remaining < 0:
            raise ValueError("business time can only be added forwards")
        if remaining == 0:
            return start
        local = self._local(start)
        day, position = local.date(), _us(local)
        while True:
            for start_us, end_us in self._spans(day):
                begin = max(start_us, position)
                if begin >= end_us:
                    continue
                if remaining <= end_us - begin:
                    return self._at(day, begin + remaining)
                remaining -= end_us - begin
            day, position = day + ONE_DAY, 0
            if remaining > self._week_us:
                # Jump whole weeks, always leaving some time to place in a day.
                weeks = (remaining - 1) // self._week_us
                end = day + timedelta(weeks=weeks)
                remaining -= weeks * self._week_us - self._holidays_us(day, end)
                day = end

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from `a` to `b` (zero when `b` is not after `a`)."""
        return timedelta(microseconds=self._between_us(a, b)) if b > a else timedelta(0)

    def _between_us(self, a: datetime, b: datetime) -> int:
        local_a, local_b = self._local(a), self._local(b)
        day_a, day_b = local_a.date(), local_b.date()
        if day_a == day_b:
            return self._day_us(day_a, _us(local_a), _us(local_b))
        total = self._day_us(day_a, _us(local_a), DAY_US) + self._day_us(day_b, 0, _us(local_b))
        first, last = day_a + ONE_DAY, day_b  # whole days in [first, last)
        weeks, rest = divmod((last - first).days, 7)
        total += weeks * self._week_us + sum(self._weekday_us[(first.weekday() + i) % 7] for i in range(rest))
        return total - self._holidays_us(first, last)

    def _spans(self, day: date) -> tuple[tuple[int, int], ...]:
        spans = self.periods[day.weekday()]
        if spans and self._is_holiday(day):
            return ()
        return spans

    def _day_us(self, day: date, start: int, end: int) -> int:
        return sum(max(0, min(end, span_end) - max(start, span_start)) for span_start, span_end in self._spans(day))

    def _is_holiday(self, day: date) -> bool:
        index = bisect.bisect_left(self._holidays, day)
        return index < len(self._holidays) and self._holidays[index] == day

    def _holidays_us(self, first: date, last: date) -> int:
        """Working time lost to holidays in [first, last)."""
        return (
            self._holiday_us[bisect.bisect_left(self._holidays, last)]
            - self._holiday_us[bisect.bisect_left(self._holidays, first)]
        )

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("business time needs an aware datetime")
        return moment.astimezone(self.zone)

    def _at(self, day: date, position: int) -> datetime:
        wall = datetime.combine(day, time()) + timedelta(microseconds=position)
        return wall.replace(tzinfo=self.zone)
