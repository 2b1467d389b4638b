"""The SLA targets that govern a department's tickets, and the due times of new tickets.

A ticket's SLA is governed by its unit when it has one, else by its department (a unit may keep
its own calendar, say for a state holiday), each using its nearest ancestor's calendar and policy
where it has none of its own.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from time import monotonic

from django.conf import settings
from django.db import connection

from departments.tree import ancestors_cte
from tickets.sla.clock import BusinessClock

# Calendars change rarely; a process sees an edit made elsewhere within this long.
CLOCK_CACHE_SECONDS = 60.0


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
_TARGETS_SQL = f"""
WITH RECURSIVE {ancestors_cte("chain", ids="%(ids)s")},
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
"""  # noqa: S608 - constant text; values are parameters  # nosec B608


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
