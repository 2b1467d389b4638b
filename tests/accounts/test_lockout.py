"""Password guessing: five failures for one username from one address lock that pair out for
15 minutes (django-axes), at the token API (429, the error shape) and at the admin login."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.urls import reverse

from tests.accounts.conftest import OTHER_ADDRESS, PASSWORD, code_now, enrol, wrong_code
from tickets.models import AuditEvent, EventKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("token_throttle")]


def exchange(api_client, username: str, password: str, *, address: str = "127.0.0.1", **extra):
    body = {"username": username, "password": password, **extra}
    return api_client.post(reverse("auth-token"), body, format="json", REMOTE_ADDR=address)


def fail(api_client, username: str, times: int) -> list[int]:
    return [exchange(api_client, username, "wrong").status_code for _ in range(times)]


def pass_the_cool_off() -> None:
    # As if 15 minutes had gone by since the last failure: no sleeping in tests.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=15, seconds=1))


def test_the_fifth_failure_locks_out_with_429_and_the_error_shape(api_client, officer):
    assert fail(api_client, "telofficer", 4) == [400, 400, 400, 400]
    response = exchange(api_client, "telofficer", "wrong")
    assert response.status_code == 429
    assert response.json() == {
        "error": {
            "code": "locked_out",
            "message": "Too many failed sign-ins for this username from this address. Try again in 15 minutes.",
            "fields": {},
        }
    }
    assert response["Retry-After"] == "900"


def test_while_locked_out_even_the_right_password_is_refused(api_client, officer):
    fail(api_client, "telofficer", 5)
    response = exchange(api_client, "telofficer", PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "locked_out"
    assert not AuditEvent.objects.filter(kind=EventKind.LOGIN).exists()


def test_every_failure_and_every_locked_out_attempt_is_a_failed_login_event(api_client, officer):
    fail(api_client, "telofficer", 5)
    exchange(api_client, "telofficer", PASSWORD)
    assert AuditEvent.objects.filter(kind=EventKind.LOGIN_FAILED, data__username="telofficer").count() == 6


def test_the_lockout_is_per_username_and_address(api_client, officer, department_admin):
    fail(api_client, "telofficer", 5)
    assert exchange(api_client, "teladmin", PASSWORD).status_code == 200
    other_address = exchange(api_client, "telofficer", PASSWORD, address=OTHER_ADDRESS)
    assert other_address.status_code == 200


def test_after_the_cool_off_the_right_password_works_again(api_client, officer):
    fail(api_client, "telofficer", 5)
    pass_the_cool_off()
    response = exchange(api_client, "telofficer", PASSWORD)
    assert response.status_code == 200, response.content
    assert AuditEvent.objects.get(kind=EventKind.LOGIN).actor == officer


def test_a_success_clears_the_failures_so_typos_do_not_add_up(api_client, officer):
    fail(api_client, "telofficer", 4)
    assert exchange(api_client, "telofficer", PASSWORD).status_code == 200
    assert fail(api_client, "telofficer", 4) == [400, 400, 400, 400]


def test_wrong_one_time_codes_count_towards_the_lockout(api_client, officer):
    device = enrol(officer)
    fail(api_client, "telofficer", 4)
    response = exchange(api_client, "telofficer", PASSWORD, otp=wrong_code(device))
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"


def test_the_right_code_while_locked_out_is_refused(api_client, officer):
    device = enrol(officer)
    fail(api_client, "telofficer", 5)
    assert exchange(api_client, "telofficer", PASSWORD, otp=code_now(device)).status_code == 429


def test_the_admin_login_locks_out_too_with_a_page(client, department_admin, settings):
    settings.SEVA_2FA_REQUIRED_ROLES = ()
    body = {"username": "teladmin", "password": "wrong"}
    statuses = [client.post(reverse("admin:login"), body).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    locked = client.post(reverse("admin:login"), {"username": "teladmin", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert b"Too many failed sign-ins" in locked.content
    assert locked["Retry-After"] == "900"
    pass_the_cool_off()
    assert client.post(reverse("admin:login"), {"username": "teladmin", "password": PASSWORD}).status_code == 302


def test_a_failed_attempt_keeps_neither_the_password_nor_the_code(client, department_admin):
    device = enrol(department_admin)
    code = wrong_code(device)
    client.post(reverse("admin:login"), {"username": "teladmin", "password": PASSWORD, "code": code})
    attempt = AccessAttempt.objects.get()
    assert PASSWORD not in attempt.post_data
    assert code not in attempt.post_data
