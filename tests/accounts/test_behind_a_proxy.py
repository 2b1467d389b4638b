"""Behind the reverse proxy (NUM_PROXIES=1): the lockout is per username and the client's address
from X-Forwarded-For, not the proxy's; failed sign-ins for nobody's name stay out of the chain."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.5"
OFFICE = "198.51.100.7"


@pytest.fixture(autouse=True)
def behind_one_proxy(settings, seeded):
    settings.NUM_PROXIES = 1
    settings.SEVA_2FA_REQUIRED_ROLES = ()


def sign_in(client, username: str, password: str, *, address: str):
    body = {"username": username, "password": password}
    # The client's own X-Forwarded-For text comes first; our proxy appends the address it saw.
    return client.post(reverse("workspace:login"), body, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {address}")


def test_five_bad_passwords_lock_out_that_username_from_that_address_only(client):
    statuses = [sign_in(client, "bsnl_officer", "wrong", address=ATTACKER).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert sign_in(client, "bsnl_officer", "demo-pass-123", address=ATTACKER).status_code == 429
    assert AccessAttempt.objects.get().ip_address == ATTACKER

    office = sign_in(client, "bsnl_officer", "demo-pass-123", address=OFFICE)
    assert office.status_code == 302
    assert office.url == reverse("workspace:queue")
    login = AuditEvent.objects.get(kind=EventKind.LOGIN)
    assert login.data["ip"] == OFFICE


def test_the_lockout_is_per_username_too(client):
    for _ in range(5):
        sign_in(client, "bsnl_officer", "wrong", address=ATTACKER)
    assert sign_in(client, "bsnl_supervisor", "demo-pass-123", address=ATTACKER).status_code == 302


def test_a_failed_sign_in_on_a_real_account_is_an_event_with_the_clients_address(client):
    sign_in(client, "bsnl_officer", "wrong", address=ATTACKER)
    failed = AuditEvent.objects.get(kind=EventKind.LOGIN_FAILED)
    assert (failed.data["username"], failed.data["ip"]) == ("bsnl_officer", ATTACKER)


def test_failed_sign_ins_for_nobody_are_logged_not_chained(client, caplog):
    with caplog.at_level("WARNING", logger="tickets.services.account_audit"):
        for door in ("workspace:login", "admin:login"):
            body = {"username": "no-such-user", "password": "guess"}
            client.post(reverse(door), body, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert not AuditEvent.objects.filter(kind=EventKind.LOGIN_FAILED).exists()
    lines = [r.getMessage() for r in caplog.records if r.name == "tickets.services.account_audit"]
    assert len(lines) == 2
    assert all("'no-such-user'" in line and ATTACKER in line for line in lines)
