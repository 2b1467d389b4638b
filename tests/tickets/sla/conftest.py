"""What the SLA tests share: India's wall clock, a fresh clock cache, a small tree with calendars
and policies, an open ticket in it, and the administrators who configure them."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from departments.models import Role
from tests.factories import DepartmentFactory, UserFactory, member
from tests.factories.tickets import SlaPolicyFactory, TicketFactory, business_calendar
from tickets.lifecycle import Priority, Status
from tickets.sla.targets import sla_cache_clear, sla_due_times

IST = ZoneInfo("Asia/Kolkata")


def ist(*args) -> datetime:
    return datetime(*args, tzinfo=IST)


@pytest.fixture(autouse=True)
def _fresh_clock_cache():
    sla_cache_clear()


@pytest.fixture
def tree(db):
    """A ministry with a calendar and a P3 policy; a department inheriting both; a unit with a
    calendar of its own (a state holiday on Wednesday 18 November) and its own P1 policy."""
    ministry = DepartmentFactory(code="MIN")
    department = DepartmentFactory(code="TEL", parent=ministry)
    unit = DepartmentFactory(code="TEL_KL", parent=department, is_unit=True)
    business_calendar(department=ministry)
    business_calendar(department=unit, holidays=[date(2026, 11, 18)])
    SlaPolicyFactory(department=ministry, priority=Priority.P3, first_response_minutes=60, resolution_minutes=450)
    SlaPolicyFactory(department=unit, priority=Priority.P1, first_response_minutes=30, resolution_minutes=60)
    return {"ministry": ministry, "department": department, "unit": unit}


@pytest.fixture
def open_ticket(tree):
    created = ist(2026, 11, 16, 9, 30)  # Monday
    first_due, resolution_due = sla_due_times(department_id=tree["department"].id, priority=Priority.P3, start=created)
    return TicketFactory(
        department=tree["department"],
        status=Status.IN_PROGRESS,
        created_at=created,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
    )


@pytest.fixture
def ministry_admin(db):
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def department_admin(tree):
    """The department's admin: theirs are the department and its unit, not the ministry above."""
    return member(department=tree["department"], role=Role.DEPARTMENT_ADMIN)
