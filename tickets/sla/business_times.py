"""Business times of answered and resolved tickets: the working seconds, by the governing calendar,
from a ticket's creation to its first response and to its resolution.

The dashboard and the accountability report take medians and percentiles of these in SQL, so each
ticket carries its own figures (`Ticket.first_response_business_seconds`,
`resolution_business_seconds`). They are filled here, after the fact, rather than by every writer
of the timestamps (the intake's SQL, the outbox, the ticket actions): those need not know calendars,
and a calendar is read once per batch. A trigger clears a figure whenever its timestamp changes
(migration 0015), so a reopened and re-resolved ticket is counted again. Beat runs the fill every
30 seconds; the report's builders may run it first to leave nothing behind.

The governing calendar is the one of the ticket's unit, else its department (tickets.sla.targets),
as it is now: a ticket transferred since is counted by the calendar of where it ended.
"""

from django.db import connection, transaction
from django.db.models import Q

from tickets.models import Ticket
from tickets.sla.targets import sla_targets_for

BUSINESS_TIMES_BATCH = 5_000

UNFILLED = (Q(first_responded_at__isnull=False) & Q(first_response_business_seconds__isnull=True)) | (
    Q(resolved_at__isnull=False) & Q(resolution_business_seconds__isnull=True)
)

_FILL_SQL = """
UPDATE tickets_ticket t
   SET first_response_business_seconds = COALESCE(v.first_response, t.first_response_business_seconds),
       resolution_business_seconds = COALESCE(v.resolution, t.resolution_business_seconds)
  FROM unnest(%s::bigint[], %s::int[], %s::int[]) AS v(id, first_response, resolution)
 WHERE t.id = v.id
"""


def _seconds(clock, start, end) -> int:
    return int(clock.business_time_between(start, end).total_seconds())


@transaction.atomic
def ticket_business_times_fill_batch(*, limit: int = BUSINESS_TIMES_BATCH) -> int:
    """Fill the business times of up to `limit` tickets that lack one; how many were filled. Three
    statements whatever `limit`. Rows another fill holds are skipped, so two runs never wait on
    each other or count a ticket twice."""
    rows = list(
        Ticket.objects.filter(UNFILLED)
        .order_by("id")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list(
            "id",
            "department_id",
            "unit_id",
            "created_at",
            "first_responded_at",
            "resolved_at",
            "first_response_business_seconds",
            "resolution_business_seconds",
        )[:limit]
    )
    if not rows:
        return 0
    targets = sla_targets_for({unit_id or department_id for _, department_id, unit_id, *_ in rows})
    ids, first_responses, resolutions = [], [], []
    for ticket_id, department_id, unit_id, created_at, responded_at, resolved_at, responded_s, resolved_s in rows:
        clock = targets[unit_id or department_id].clock
        ids.append(ticket_id)
        first_responses.append(
            _seconds(clock, created_at, responded_at) if responded_at and responded_s is None else None
        )
        resolutions.append(_seconds(clock, created_at, resolved_at) if resolved_at and resolved_s is None else None)
    with connection.cursor() as cursor:
        cursor.execute(_FILL_SQL, [ids, first_responses, resolutions])
    return len(ids)


def ticket_business_times_fill(*, max_batches: int = 40) -> int:
    """Fill what is unfilled, batch after batch (each its own transaction), up to `max_batches`."""
    filled = 0
    for _ in range(max_batches):
        done = ticket_business_times_fill_batch()
        filled += done
        if done < BUSINESS_TIMES_BATCH:
            break
    return filled
