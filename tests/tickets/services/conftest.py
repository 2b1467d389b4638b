"""The seeded BSNL people every service test acts as."""

import pytest

from departments.models import Role
from tests.factories import DepartmentFactory
from tests.factories.tickets import staff


@pytest.fixture
def bsnl(seeded):
    """The seeded BSNL people, plus the roles seed_demo does not make."""
    from accounts.models import User

    return {
        "officer": User.objects.get(username="bsnl_officer"),
        "supervisor": User.objects.get(username="bsnl_supervisor"),
        "department_admin": staff("BSNL", Role.DEPARTMENT_ADMIN, username="bsnl_admin"),
        "auditor": staff("BSNL", Role.AUDITOR, username="bsnl_auditor"),
        "ministry_auditor": User.objects.get(username="auditor"),
        "posts_officer": User.objects.get(username="posts_officer"),
    }


@pytest.fixture
def tree(db):
    """A ministry, a department and its unit, for the SLA sweep and auto-close."""
    ministry = DepartmentFactory(code="MIN")
    department = DepartmentFactory(code="TEL", parent=ministry)
    unit = DepartmentFactory(code="TEL_KL", parent=department, is_unit=True)
    return {"ministry": ministry, "department": department, "unit": unit}
