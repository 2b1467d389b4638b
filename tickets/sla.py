"""SLA targets in business time: the clock arithmetic, the targets that govern a department, due
times for new tickets, and the moves of due times when the clock pauses or a policy changes.

A ticket's SLA is governed by its unit when it has one, else by its department (a unit may keep
its own calendar, say for a state holiday), each using its nearest ancestor's calendar and policy
where it has none of its own. Business time is counted in the calendar's wall clock.
"""

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from departments.models import SlaPolicy
from tickets.lifecycle import OPEN_STATUSES
from tickets.models import Ticket

MINUTE_US = 60_000_000
DAY_US = 24 * 60 * MINUTE_US
ONE_DAY = timedelta(days=1)
# Calendars change rarely; a process sees an edit made elsewhere within this long.
CLOCK_CACHE_SECONDS = 60.0


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


@dataclass(frozen=True, slots=True)
class PolicyMinutes:
    first_response: int
    resolution: int


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """What governs one department's tickets: the effective calendar and policy per priority."""

    clock: BusinessClock
    policies: Mapping[str, PolicyMinutes]

    def due_times(self, *, priority: str, start: datetime) -> tuple[datetime | None, datetime | None]:
        """(first response due, resolution due); (None, None) when no policy covers the priority."""
        policy = self.policies.get(priority)
        if policy is None:
            return None, None
        return (
            self.clock.add_business_minutes(start, policy.first_response),
            self.clock.add_business_minutes(start, policy.resolution),
        )


# calendar id -> (expires at, clock). Per process: a clock is pure data, cheap to keep.
_clocks: dict[int, tuple[float, BusinessClock]] = {}

# One statement whatever the cache holds: the nearest calendar and policies of each department
# (policies are always read fresh, so a policy edit counts at once everywhere), and the periods
# and holidays only of calendars this process does not hold.
_TARGETS_SQL = """
WITH RECURSIVE chain(origin, id, depth) AS (
    SELECT d.id, d.id, 0 FROM departments_department d WHERE d.id = ANY(%(ids)s)
  UNION ALL
    SELECT chain.origin, d.parent_id, chain.depth + 1
      FROM chain JOIN departments_department d ON d.id = chain.id
     WHERE d.parent_id IS NOT NULL AND chain.depth < 64
),
nearest_calendar AS (
    SELECT DISTINCT ON (chain.origin) chain.origin, cal.id, cal.timezone
      FROM chain JOIN departments_businesscalendar cal ON cal.department_id = chain.id
     ORDER BY chain.origin, chain.depth
),
nearest_policy AS (
    SELECT DISTINCT ON (chain.origin, p.priority)
           chain.origin, p.priority, p.first_response_minutes, p.resolution_minutes
      FROM chain JOIN departments_slapolicy p ON p.department_id = chain.id
     ORDER BY chain.origin, p.priority, chain.depth
)
SELECT origin.id, cal.id, cal.timezone,
       (SELECT json_object_agg(p.priority, json_build_array(p.first_response_minutes, p.resolution_minutes))
          FROM nearest_policy p WHERE p.origin = origin.id),
       CASE WHEN cal.id = ANY(%(cached)s) THEN NULL ELSE
           (SELECT json_agg(json_build_array(w.weekday, w.starts, w.ends))
              FROM departments_workingperiod w WHERE w.calendar_id = cal.id) END,
       CASE WHEN cal.id = ANY(%(cached)s) THEN NULL ELSE
           (SELECT json_agg(h.date) FROM departments_holiday h WHERE h.calendar_id = cal.id) END
  FROM unnest(%(ids)s::bigint[]) AS origin(id)
  LEFT JOIN nearest_calendar cal ON cal.origin = origin.id
"""


def sla_cache_clear() -> None:
    """Forget this process's calendars (after an edit here; other processes catch up within a minute)."""
    _clocks.clear()


def _clock_from_json(*, timezone: str, periods: list | None, holidays: list | None) -> BusinessClock:
    if not periods:
        # A calendar without working periods would never reach a due time: count every minute instead.
        return BusinessClock.round_the_clock(timezone=timezone)
    return BusinessClock.from_times(
        timezone=timezone,
        periods=[(weekday, time.fromisoformat(starts), time.fromisoformat(ends)) for weekday, starts, ends in periods],
        holidays=[date.fromisoformat(day) for day in holidays or ()],
    )


def sla_targets_for(department_ids: Iterable[int]) -> dict[int, SlaTargets]:
    """The effective calendar and policies of each department: one query, whatever their number.

    A department with no calendar in its chain counts every minute (of India's time); one with no
    policy for a priority gets no due times for it.
    """
    ids = sorted(set(department_ids))
    if not ids:
        return {}
    now = monotonic()
    cached = {calendar_id: clock for calendar_id, (expires, clock) in _clocks.items() if expires > now}
    with connection.cursor() as cursor:
        cursor.execute(_TARGETS_SQL, {"ids": ids, "cached": list(cached)})
        rows = cursor.fetchall()
    round_the_clock = BusinessClock.round_the_clock(timezone=settings.TIME_ZONE)
    targets = {}
    for department_id, calendar_id, timezone, policies, periods, holidays in rows:
        if calendar_id is None:
            clock = round_the_clock
        elif calendar_id in cached:
            clock = cached[calendar_id]
        else:
            clock = _clock_from_json(timezone=timezone, periods=periods, holidays=holidays)
            cached[calendar_id] = clock
            _clocks[calendar_id] = (now + CLOCK_CACHE_SECONDS, clock)
        targets[department_id] = SlaTargets(
            clock=clock,
            policies={priority: PolicyMinutes(*minutes) for priority, minutes in (policies or {}).items()},
        )
    return targets


def sla_department_id(ticket: Ticket) -> int:
    """The department whose calendar and policy govern a ticket: its unit, else its department."""
    return ticket.unit_id or ticket.department_id


def sla_due_times(*, department_id: int, priority: str, start: datetime) -> tuple[datetime | None, datetime | None]:
    """(first response due, resolution due) for a ticket of `department_id` opened at `start`."""
    return sla_targets_for([department_id])[department_id].due_times(priority=priority, start=start)


def sla_due_times_bulk(
    *, requests: Sequence[tuple[int, str, datetime]]
) -> list[tuple[datetime | None, datetime | None]]:
    """Due times for many (department id, priority, start) at once, with one query; a batch's
    tickets mostly share all three, so each distinct request is computed once."""
    targets = sla_targets_for(department_id for department_id, _, _ in requests)
    computed: dict[tuple[int, str, datetime], tuple[datetime | None, datetime | None]] = {}
    for request in requests:
        if request not in computed:
            department_id, priority, start = request
            computed[request] = targets[department_id].due_times(priority=priority, start=start)
    return [computed[request] for request in requests]


def ticket_sla_pause(*, ticket: Ticket, at: datetime) -> None:
    """Stop the ticket's SLA clock at `at` (it now waits on the citizen). Call it in the transaction
    of the transition, with the ticket locked; a clock already paused stays as it is."""
    if ticket.sla_paused_at is not None:
        return
    ticket.sla_paused_at = at
    ticket.save(update_fields=["sla_paused_at"])


def ticket_sla_resume(*, ticket: Ticket, at: datetime) -> None:
    """Restart the clock at `at`, pushing each due time later by the business time spent paused.

    A target that had already passed when the clock stopped stays passed, and the first-response
    target moves only while no response has been given. Same transaction and lock as the pause.
    """
    paused_at = ticket.sla_paused_at
    if paused_at is None:
        return
    clock = sla_targets_for([sla_department_id(ticket)])[sla_department_id(ticket)].clock
    paused = clock.business_time_between(paused_at, at)
    fields = ["sla_paused_at"]
    if ticket.first_responded_at is None and ticket.first_response_due_at and ticket.first_response_due_at > paused_at:
        ticket.first_response_due_at = clock.add_business_time(ticket.first_response_due_at, paused)
        fields.append("first_response_due_at")
    if ticket.resolution_due_at and ticket.resolution_due_at > paused_at:
        ticket.resolution_due_at = clock.add_business_time(ticket.resolution_due_at, paused)
        fields.append("resolution_due_at")
    ticket.sla_paused_at = None
    ticket.save(update_fields=fields)


# The open tickets a policy governs: in its department's subtree, not below a department that has
# its own policy for the priority. Locked so a concurrent resume cannot be overwritten.
_GOVERNED_SQL = """
WITH RECURSIVE governed(id) AS (
    SELECT %(department)s::bigint
  UNION
    SELECT d.id FROM departments_department d JOIN governed g ON d.parent_id = g.id
     WHERE NOT EXISTS (
        SELECT 1 FROM departments_slapolicy p WHERE p.department_id = d.id AND p.priority = %(priority)s)
)
SELECT t.id, COALESCE(t.unit_id, t.department_id), t.created_at, t.first_response_due_at, t.resolution_due_at,
       t.first_responded_at IS NULL
  FROM tickets_ticket t
 WHERE COALESCE(t.unit_id, t.department_id) IN (SELECT id FROM governed)
   AND t.priority = %(priority)s AND t.status = ANY(%(open)s)
   FOR NO KEY UPDATE OF t
"""


def _moved(clock: BusinessClock, *, created_at: datetime, due: datetime | None, old: int | None, new: int):
    """The due time for target `new` given the one for `old`, keeping the time the clock was paused
    (the business time from creation to the old due time, beyond the old target)."""
    if due is None or old is None:
        return clock.add_business_minutes(created_at, new)
    paused = max(timedelta(0), clock.business_time_between(created_at, due) - timedelta(minutes=old))
    return clock.add_business_time(created_at, timedelta(minutes=new) + paused)


@transaction.atomic
def sla_recompute_for_policy(*, policy: SlaPolicy, previous: PolicyMinutes | None) -> int:
    """Move the due times of the open tickets `policy` governs to its targets; returns how many.

    `previous`: the targets those tickets had before the change (the policy's old values, or the
    inherited ones for a new policy; None when they had none). Due times are computed in Python
    (business time), then written with one UPDATE.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _GOVERNED_SQL,
            {"department": policy.department_id, "priority": policy.priority, "open": sorted(OPEN_STATUSES)},
        )
        rows = cursor.fetchall()
        if not rows:
            return 0
        clocks = {department_id: t.clock for department_id, t in sla_targets_for(row[1] for row in rows).items()}
        ids, first_dues, resolution_dues = [], [], []
        for ticket_id, department_id, created_at, first_due, resolution_due, awaiting_response in rows:
            clock = clocks[department_id]
            ids.append(ticket_id)
            first_dues.append(
                _moved(
                    clock,
                    created_at=created_at,
                    due=first_due,
                    old=previous and previous.first_response,
                    new=policy.first_response_minutes,
                )
                if awaiting_response
                else first_due
            )
            resolution_dues.append(
                _moved(
                    clock,
                    created_at=created_at,
                    due=resolution_due,
                    old=previous and previous.resolution,
                    new=policy.resolution_minutes,
                )
            )
        cursor.execute(
            """
            UPDATE tickets_ticket t SET first_response_due_at = v.first_due, resolution_due_at = v.resolution_due
              FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS v(id, first_due, resolution_due)
             WHERE t.id = v.id
            """,
            [ids, first_dues, resolution_dues],
        )
    return len(ids)


@transaction.atomic
def sla_policy_save(*, policy: SlaPolicy) -> int:
    """Save a new or changed policy and move the due times of the open tickets it governs.

    A policy's department and priority are fixed once saved (the admin shows them read-only):
    to move one, delete it and add another.
    """
    previous = sla_targets_for([policy.department_id])[policy.department_id].policies.get(policy.priority)
    policy.save()
    return sla_recompute_for_policy(policy=policy, previous=previous)
