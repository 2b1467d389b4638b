"""Export jobs' tests: files in a temporary media folder, the seeded people, and many BSNL tickets
written in bulk (a factory per ticket would take minutes at 20,000)."""

import pytest

from accounts.models import User
from departments.models import Role
from tests.factories.exports import bsnl_tickets
from tests.factories.tickets import staff
from tickets.models import Ticket


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


@pytest.fixture
def few_tickets(people) -> list[Ticket]:
    return bsnl_tickets(12)
