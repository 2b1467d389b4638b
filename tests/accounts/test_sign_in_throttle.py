"""Sign-in attempts per client address at the workspace's and the admin's login pages
(SEVA_SIGN_IN_RATE): over the rate, a 429 page before any password is checked."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
GUESSER = "203.0.113.9"
OFFICE = "198.51.100.9"
KEYS = [f"throttle_sign_in_{address}" for address in (GUESSER, OFFICE, PROXY)]


@pytest.fixture(autouse=True)
def three_a_minute(settings, seeded):
    settings.NUM_PROXIES = 1
    settings.SEVA_SIGN_IN_RATE = "3/minute"
    settings.SEVA_2FA_REQUIRED_ROLES = ()
    cache.delete_many(KEYS)
    yield
    cache.delete_many(KEYS)


def attempt(client, door: str, username: str, password: str, *, address: str = GUESSER, **extra):
    body = {"username": username, "password": password}
    return client.post(reverse(door), body, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address, **extra)


@pytest.mark.parametrize("door", ["workspace:login", "admin:login"])
def test_over_the_rate_an_address_gets_a_429_page(client, door):
    # Different usernames each time: the lockout (per username) would not stop these.
    statuses = [attempt(client, door, f"guess{n}", "x").status_code for n in range(3)]
    assert statuses == [200, 200, 200]
    refused = attempt(client, door, "bsnl_officer", "demo-pass-123")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many sign-in attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Refused before the password check: no sign-in, no failed sign-in recorded.
    assert not AuditEvent.objects.filter(kind__in=[EventKind.LOGIN, EventKind.LOGIN_FAILED]).exists()


def test_the_count_is_shared_by_both_doors_and_is_per_address(client):
    attempt(client, "workspace:login", "guess1", "x")
    attempt(client, "admin:login", "guess2", "x")
    attempt(client, "workspace:login", "guess3", "x")
    assert attempt(client, "admin:login", "guess4", "x").status_code == 429
    elsewhere = attempt(client, "workspace:login", "bsnl_officer", "demo-pass-123", address=OFFICE)
    assert elsewhere.status_code == 302


def test_showing_the_login_page_is_not_an_attempt(client):
    for _ in range(5):
        assert (
            client.get(reverse("workspace:login"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=GUESSER).status_code == 200
        )
    assert attempt(client, "workspace:login", "bsnl_officer", "demo-pass-123").status_code == 302


def test_the_429_page_speaks_hindi(client):
    for n in range(3):
        attempt(client, "workspace:login", f"guess{n}", "x")
    with translation.override("hi"):
        refused = attempt(client, "workspace:login", "guess", "x", HTTP_ACCEPT_LANGUAGE="hi")
    assert refused.status_code == 429
    assert '<html lang="hi">' in refused.content.decode()
