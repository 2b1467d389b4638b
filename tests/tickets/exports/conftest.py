"""Export jobs' tests: files in a temporary media folder, the seeded people, and many BSNL tickets
written in bulk (a factory per ticket would take minutes at 20,000)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from departments.models import Role
from tests.factories.tickets import department, staff
from tickets.lifecycle import Status
from tickets.models import Ticket

IST = ZoneInfo("Asia/Kolkata")
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def people(seeded) -> dict[str, User]:
    return {
        "auditor": User.objects.get(username="auditor"),
        "supervisor": User.objects.get(username="bsnl_supervisor"),
        "officer": User.objects.get(username="bsnl_officer"),
        "admin": User.objects.get(username="admin"),
        "other_auditor": staff("BSNL", Role.AUDITOR, username="bsnl_auditor"),
        "ministry_admin": staff("MOC", Role.DEPARTMENT_ADMIN, username="moc_admin"),
        "bsnl_admin": staff("BSNL", Role.DEPARTMENT_ADMIN, username="bsnl_admin"),
    }


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


@pytest.fixture
def few_tickets(people) -> list[Ticket]:
    return bsnl_tickets(12)
