import pytest
from django.core.cache import cache
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments.models import Role
from tests.factories import DepartmentFactory, member

PASSWORD = "pass-for-tests-123"  # tests.factories.UserFactory's
OTHER_ADDRESS = "192.0.2.7"  # a second client, besides the test client's 127.0.0.1
THROTTLE_KEYS = [f"throttle_auth_token_{address}" for address in ("127.0.0.1", OTHER_ADDRESS)]


def code_now(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows now, computed as django-otp's device verifies it."""
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = int(code_now(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


@pytest.fixture
def token_throttle(settings):
    """The token exchange's per-address throttle lives in the shared Redis cache: keep it out of the
    way of the lockout under test, and leave no key behind."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth_token": "1000/minute"},
    }
    cache.delete_many(THROTTLE_KEYS)
    yield
    cache.delete_many(THROTTLE_KEYS)


@pytest.fixture
def admins_must_use_two_factor(settings):
    """The roles base settings require two-factor sign-in of (test settings require none)."""
    settings.SEVA_2FA_REQUIRED_ROLES = ("department_admin", "superuser")


@pytest.fixture
def department_admin(db):
    return member(department=DepartmentFactory(code="TEL"), role=Role.DEPARTMENT_ADMIN, username="teladmin")


@pytest.fixture
def officer(db):
    return member(department=DepartmentFactory(code="TELO"), role=Role.OFFICER, username="telofficer")


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
