import pytest

from accounts.models import User
from departments.models import Department, Role
from tests.factories import member


@pytest.fixture
def bsnl_admin(seeded) -> User:
    """A department admin of BSNL (and so of its circles) in the demo tree."""
    return member(department=Department.objects.get(code="BSNL"), role=Role.DEPARTMENT_ADMIN, username="bsnl_admin")


@pytest.fixture
def bsnl_admin_client(client, settings, bsnl_admin):
    # Two-factor sign-in is another door's business (tests/accounts); these tests are about what a
    # signed-in department admin may do in the admin, so the session needs no code here.
    settings.SEVA_2FA_REQUIRED_ROLES = ()
    client.force_login(bsnl_admin)
    return client


@pytest.fixture
def ministry_admin_client(client, settings, seeded):
    settings.SEVA_2FA_REQUIRED_ROLES = ()
    client.force_login(User.objects.get(username="admin"))
    return client
