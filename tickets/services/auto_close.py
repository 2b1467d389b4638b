"""Resolved tickets closing themselves at the end of the reopen window (tickets.lifecycle)."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from tickets.audit import audit_events_append
from tickets.events.ticket import ticket_status_changed_event
from tickets.lifecycle import AUTO_CLOSE_AFTER, Status


@transaction.atomic(durable=True)
def tickets_close_resolved(*, now: datetime | None = None) -> int:
    """Close the tickets resolved at least 7 days before `now`; returns how many closed.

    One UPDATE, whatever their number: a ticket reopened meanwhile no longer matches when its row
    lock is granted, so a second run at once closes nothing twice.
    """
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE tickets_ticket SET status = %(closed)s, closed_at = %(now)s, updated_at = %(now)s
             WHERE status = %(resolved)s AND resolved_at <= %(cutoff)s
            RETURNING id
            """,
            {"closed": Status.CLOSED, "resolved": Status.RESOLVED, "now": now, "cutoff": now - AUTO_CLOSE_AFTER},
        )
        closed = [ticket_id for (ticket_id,) in cursor.fetchall()]
    audit_events_append(
        [
            ticket_status_changed_event(
                ticket_id=ticket_id,
                actor_id=None,
                from_status=Status.RESOLVED.value,
                to_status=Status.CLOSED.value,
                reason="auto-close 7 days after resolution",
            )
            for ticket_id in closed
        ]
    )
    return len(closed)
