"""The admin login with two-factor sign-in: the one-time code for enrolled users, and enrolment
forced on the roles of SEVA_2FA_REQUIRED_ROLES."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import StaffAuthenticationForm
from departments.models import Role
from tests.accounts.conftest import PASSWORD, code_now, enrol, wrong_code
from tests.factories import DepartmentFactory, UserFactory, member
from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db


def sign_in(client, username: str, code: str | None = None, password: str = PASSWORD):
    body = {"username": username, "password": password, "next": reverse("admin:index")}
    if code is not None:
        body["code"] = code
    return client.post(reverse("admin:login"), body)


def test_the_login_form_has_a_code_field(client):
    response = client.get(reverse("admin:login"))
    assert b'name="code"' in response.content
    assert b'autocomplete="one-time-code"' in response.content


def test_an_enrolled_admin_without_the_code_is_not_let_in(client, department_admin):
    enrol(department_admin)
    response = sign_in(client, "teladmin")
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Enter the one-time code from your authenticator app."]
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(kind=EventKind.LOGIN).exists()


def test_an_enrolled_admin_with_a_wrong_code_is_not_let_in_and_it_is_a_failed_login(client, department_admin):
    device = enrol(department_admin)
    response = sign_in(client, "teladmin", wrong_code(device))
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.get(kind=EventKind.LOGIN_FAILED)
    assert (failed.data["username"], failed.data["path"]) == ("teladmin", reverse("admin:login"))


def test_an_enrolled_admin_with_the_code_is_let_in(client, department_admin):
    device = enrol(department_admin)
    response = sign_in(client, "teladmin", code_now(device))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.session["otp_device_id"] == device.persistent_id
    assert client.get(reverse("admin:index")).status_code == 200
    login = AuditEvent.objects.get(kind=EventKind.LOGIN)
    assert login.actor == department_admin


def test_a_code_is_good_for_one_sign_in_only(client, department_admin):
    device = enrol(department_admin)
    code = code_now(device)
    assert sign_in(client, "teladmin", code).status_code == 302
    client.logout()
    replayed = sign_in(client, "teladmin", code)
    assert replayed.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_enrolled_admins_session_that_did_not_give_the_code_does_not_get_the_admin(client, department_admin):
    enrol(department_admin)
    client.force_login(department_admin)  # as if signed in by a door that asked no code
    response = client.get(reverse("admin:departments_department_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:two-factor-verify"))


def test_the_code_is_ignored_for_admins_without_a_device_when_none_is_required(client, department_admin, settings):
    settings.SEVA_2FA_REQUIRED_ROLES = ()
    response = sign_in(client, "teladmin", "123456")
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.usefixtures("admins_must_use_two_factor")
@pytest.mark.parametrize("kind", ["department_admin", "superuser"])
def test_a_user_who_must_have_two_factor_is_sent_to_enrol_after_signing_in(client, kind):
    if kind == "superuser":
        UserFactory(username="minister_admin", is_superuser=True, is_staff=True)
        username = "minister_admin"
    else:
        member(department=DepartmentFactory(code="TEL"), role=Role.DEPARTMENT_ADMIN, username="teladmin")
        username = "teladmin"
    response = sign_in(client, username)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:two-factor')}?next=%2Fadmin%2F"
    # Signed in, but kept out of the admin until enrolled.
    assert "_auth_user_id" in client.session
    kept_out = client.get(reverse("admin:departments_department_changelist"), follow=True)
    assert kept_out.redirect_chain[-1][0].startswith(reverse("accounts:two-factor"))


@pytest.mark.usefixtures("admins_must_use_two_factor")
def test_a_forced_enrolment_ends_in_the_admin(client, department_admin):
    sign_in(client, "teladmin")
    client.get(reverse("accounts:two-factor"))
    device = TOTPDevice.objects.get(user=department_admin)
    response = client.post(reverse("accounts:two-factor"), {"code": code_now(device), "next": "/admin/"})
    assert response.url == "/admin/"
    assert client.get(reverse("admin:departments_department_changelist")).status_code == 200


@pytest.mark.usefixtures("admins_must_use_two_factor")
def test_a_user_forced_to_enrol_can_still_sign_out(client, department_admin):
    assert sign_in(client, "teladmin").url.startswith(reverse("accounts:two-factor"))
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_roles_outside_the_setting_are_not_forced(client, department_admin, settings):
    settings.SEVA_2FA_REQUIRED_ROLES = ("superuser",)
    response = sign_in(client, "teladmin")
    assert response.url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_staff_sign_in_form_for_other_doors_asks_enrolled_users_for_the_code(rf, officer):
    device = enrol(officer)
    request = rf.post("/desk/login/")
    without = StaffAuthenticationForm(request, data={"username": "telofficer", "password": PASSWORD})
    assert not without.is_valid()
    assert list(without.errors) == ["code"]
    with_code = StaffAuthenticationForm(
        request, data={"username": "telofficer", "password": PASSWORD, "code": code_now(device)}
    )
    assert with_code.is_valid(), with_code.errors
    assert with_code.get_user().otp_device == device
