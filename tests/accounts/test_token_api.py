"""The API token exchange with two-factor sign-in: `otp` for users with a confirmed TOTP device, and
no token at all for a user whose role requires two-factor sign-in before they have enrolled."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken

from tests.accounts.conftest import PASSWORD, code_now, enrol, wrong_code
from tests.factories import DepartmentFactory, UserFactory, member
from tickets.models import AuditEvent, EventKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("token_throttle")]


def exchange(api_client, username: str, **extra):
    return api_client.post(reverse("auth-token"), {"username": username, "password": PASSWORD, **extra}, format="json")


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def works(api_client, token: str) -> bool:
    status = api_client.get(reverse("department-list"), HTTP_AUTHORIZATION=f"Token {token}").status_code
    assert status in (200, 401)
    return status == 200


def test_without_a_device_the_exchange_is_unchanged(api_client, officer):
    response = exchange(api_client, "telofficer")
    assert response.status_code == 200
    assert set(response.json()) == {"token", "expiry"}
    assert AuthToken.objects.get(user=officer)
    assert works(api_client, response.json()["token"])
    assert AuditEvent.objects.get(kind=EventKind.LOGIN).actor == officer


def test_without_a_device_an_otp_sent_anyway_is_ignored(api_client, officer):
    assert exchange(api_client, "telofficer", otp="123456").status_code == 200


def test_an_enrolled_user_without_otp_gets_otp_required(api_client, officer):
    enrol(officer)
    error = error_of(exchange(api_client, "telofficer"), 400)
    assert error["code"] == "otp_required"
    assert not AuthToken.objects.filter(user=officer).exists()
    # Not a failed sign-in: the password was right and no code was tried.
    assert not AuditEvent.objects.filter(kind__in=[EventKind.LOGIN, EventKind.LOGIN_FAILED]).exists()


def test_an_enrolled_user_with_a_wrong_otp_gets_otp_invalid_and_a_failed_login_event(api_client, officer):
    device = enrol(officer)
    error = error_of(exchange(api_client, "telofficer", otp=wrong_code(device)), 400)
    assert error["code"] == "otp_invalid"
    assert not AuthToken.objects.filter(user=officer).exists()
    failed = AuditEvent.objects.get(kind=EventKind.LOGIN_FAILED)
    assert (failed.data["username"], failed.data["ip"], failed.data["path"]) == (
        "telofficer",
        "127.0.0.1",
        reverse("auth-token"),
    )
    assert not AuditEvent.objects.filter(kind=EventKind.LOGIN).exists()


def test_an_enrolled_user_with_the_right_otp_gets_a_token(api_client, officer):
    device = enrol(officer)
    response = exchange(api_client, "telofficer", otp=code_now(device))
    assert response.status_code == 200, response.content
    assert AuthToken.objects.get(user=officer)
    assert works(api_client, response.json()["token"])
    login = AuditEvent.objects.get(kind=EventKind.LOGIN)
    assert (login.actor, login.data["path"]) == (officer, reverse("auth-token"))
    # An API sign-in starts no browser session.
    assert "sessionid" not in response.cookies


def test_a_wrong_password_with_the_right_otp_is_invalid_credentials(api_client, officer):
    device = enrol(officer)
    body = {"username": "telofficer", "password": "wrong", "otp": code_now(device)}
    error = error_of(api_client.post(reverse("auth-token"), body, format="json"), 400)
    assert error["code"] == "invalid_credentials"


def test_an_otp_cannot_be_used_twice(api_client, officer):
    device = enrol(officer)
    code = code_now(device)
    assert exchange(api_client, "telofficer", otp=code).status_code == 200
    assert error_of(exchange(api_client, "telofficer", otp=code), 400)["code"] == "otp_invalid"


def test_the_schema_documents_otp_and_the_refusals():
    # Generated directly, not fetched: the schema view's anonymous throttle would leave a cache key.
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "otp" in schema["components"]["schemas"]["AuthTokenInput"]["properties"]
    assert "otp" not in schema["components"]["schemas"]["AuthTokenInput"].get("required", [])
    for code in ("invalid_credentials", "otp_required", "otp_invalid"):
        assert code in operation["responses"]["400"]["description"]
    assert "locked_out" in operation["responses"]["429"]["description"]


@pytest.mark.usefixtures("admins_must_use_two_factor")
def test_a_required_user_with_a_device_but_no_otp_gets_otp_required(api_client, department_admin):
    enrol(department_admin)
    error = error_of(exchange(api_client, "teladmin"), 400)
    assert error["code"] == "otp_required"
    assert not AuthToken.objects.filter(user=department_admin).exists()


@pytest.mark.usefixtures("admins_must_use_two_factor")
@pytest.mark.parametrize("kind", ["department_admin", "superuser"])
def test_a_required_user_without_a_device_gets_no_token_until_they_enrol(api_client, kind):
    if kind == "superuser":
        user = UserFactory(username="minister_admin", is_superuser=True, is_staff=True)
    else:
        user = member(department=DepartmentFactory(code="TEL"), role="department_admin", username="minister_admin")
    for otp in ("", "123456"):
        error = error_of(exchange(api_client, "minister_admin", otp=otp), 403)
        assert error["code"] == "otp_enrolment_required"
    assert not AuthToken.objects.filter(user=user).exists()
    # The password was right: neither a sign-in nor a failed one.
    assert not AuditEvent.objects.filter(kind__in=[EventKind.LOGIN, EventKind.LOGIN_FAILED]).exists()
    device = enrol(user)
    assert exchange(api_client, "minister_admin", otp=code_now(device)).status_code == 200


def test_a_role_outside_the_setting_gets_a_token_without_a_device(api_client, department_admin, settings):
    settings.SEVA_2FA_REQUIRED_ROLES = ("superuser",)
    assert exchange(api_client, "teladmin").status_code == 200


def test_the_schema_documents_the_enrolment_refusal_and_the_token_scheme():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "otp_enrolment_required" in operation["responses"]["403"]["description"]
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/tickets/"]["get"]["security"]
