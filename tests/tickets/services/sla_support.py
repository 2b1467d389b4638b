"""What the SLA sweep's and auto-close's tests share: a small tree and a ticket due in its unit."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories.tickets import TicketFactory
from tickets.lifecycle import Status
from tickets.models import Ticket

IST = ZoneInfo("Asia/Kolkata")
CREATED = datetime(2026, 11, 16, 10, 0, tzinfo=IST)
FIRST_DUE = CREATED + timedelta(hours=1)
RESOLUTION_DUE = CREATED + timedelta(hours=10)
# Twice the resolution target, in wall time: created + 2 x 10 h.
TWICE_DUE = CREATED + timedelta(hours=20)
MINUTE = timedelta(minutes=1)


def due_ticket(tree, **fields) -> Ticket:
    """An assigned ticket in the unit, first response due an hour after creation, resolution ten."""
    defaults = {
        "department": tree["department"],
        "unit": tree["unit"],
        "status": Status.ASSIGNED,
        "created_at": CREATED,
        "first_response_due_at": FIRST_DUE,
        "resolution_due_at": RESOLUTION_DUE,
    }
    return TicketFactory(**(defaults | fields))
