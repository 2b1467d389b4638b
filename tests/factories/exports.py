"""Many tickets for the export tests, written in bulk: a factory per ticket would take minutes at
20,000. Valid by construction as the ticket constraints ask (a resolved ticket has its time and note)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories.tickets import department
from tickets.lifecycle import Status
from tickets.models import Ticket

IST = ZoneInfo("Asia/Kolkata")
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


def bsnl_tickets(count: int, *, first_day: datetime | None = None) -> list[Ticket]:
    """`count` BSNL tickets received in November 2026 (India's time), half of them resolved."""
    bsnl = department("BSNL")
    start = first_day or datetime(2026, 11, 1, 9, tzinfo=IST)
    step = timedelta(days=29) / max(count, 1)
    tickets = []
    for index in range(count):
        created = start + step * index
        resolved = index % 2 == 0
        tickets.append(
            Ticket(
                number=f"BSNL-9911-{index:06d}",
                department=bsnl,
                status=Status.RESOLVED if resolved else Status.NEW,
                citizen_x_user_id=4_000_000_000 + index,
                citizen_handle=f"citizen_{index}",
                conversation_id=820_000_000_000_000_000 + index,
                opening_tweet_id=820_000_000_000_000_000 + index,
                subject=f"Landline dead {index}",
                language="en",
                created_at=created,
                updated_at=created,
                resolved_at=created + timedelta(hours=5) if resolved else None,
                resolution_note="Line repaired." if resolved else "",
            )
        )
    return Ticket.objects.bulk_create(tickets, batch_size=5000)
