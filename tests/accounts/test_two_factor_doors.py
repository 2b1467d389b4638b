"""Two-factor sign-in at every door: a session that has not given its one-time code (or, for a user
whose role requires one, has not enrolled) reaches only that step, whichever door it signed in at:
the workspace, the admin, and the API used with the session."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from accounts.services import api_token_issue
from tests.accounts.conftest import PASSWORD, code_now, enrol, wrong_code
from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Every kind of staff page: the workspace's, the admin's, the API's (with the session).
WORKSPACE_PAGES = [
    "/desk/",
    "/desk/escalations/",
    "/desk/dashboard/",
    "/desk/t/TEL-2612-000001/",
    "/desk/password/",
]
ADMIN_PAGES = ["/admin/", "/admin/departments/department/", "/admin/accounts/user/"]


def workspace_sign_in(client, username: str, code: str = ""):
    body = {"username": username, "password": PASSWORD, "code": code}
    return client.post(reverse("workspace:login"), body, follow=True)


def final_url(response) -> str:
    return response.redirect_chain[-1][0] if response.redirect_chain else response.request["PATH_INFO"]


# --- a user whose role requires two-factor sign-in, without a device -----------------------------


@pytest.mark.usefixtures("admins_must_use_two_factor")
def test_a_department_admin_signed_in_at_the_workspace_cannot_reach_the_admin(client, department_admin):
    signed_in = workspace_sign_in(client, "teladmin")
    # Straight from the password step to enrolment.
    assert final_url(signed_in).startswith(reverse("accounts:two-factor"))
    assert "_auth_user_id" in client.session
    for path in ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(f"{reverse('accounts:two-factor')}?next="), path


@pytest.mark.usefixtures("admins_must_use_two_factor")
@pytest.mark.parametrize("path", WORKSPACE_PAGES)
def test_a_user_who_must_enrol_is_sent_to_enrolment_from_every_workspace_page(client, department_admin, path):
    client.force_login(department_admin)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:two-factor')}?next={path.replace('/', '%2F')}"
    # An htmx request sends the whole page there.
    fragment = client.get(path, **HTMX)
    assert fragment.status_code == 204
    assert fragment["HX-Redirect"].startswith(reverse("accounts:two-factor"))
    # A form posted from a page left open is refused too, and goes nowhere afterwards.
    posted = client.post(path, {})
    assert posted.status_code == 302
    assert posted.url == f"{reverse('accounts:two-factor')}?next="


@pytest.mark.usefixtures("admins_must_use_two_factor")
def test_a_user_who_must_enrol_gets_the_api_error_shape_from_the_api_with_the_session(client, department_admin):
    client.force_login(department_admin)
    response = client.get(reverse("department-list"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "otp_enrolment_required"


@pytest.mark.usefixtures("admins_must_use_two_factor")
def test_a_user_who_must_enrol_may_still_enrol_switch_language_and_sign_out(client, department_admin):
    client.force_login(department_admin)
    assert client.get(reverse("accounts:two-factor")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "hi", "next": "/"}).status_code == 302
    client.post(reverse("workspace:logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("admins_must_use_two_factor")
def test_after_enrolling_they_can_work_and_the_enrolment_is_an_audit_event(client, department_admin):
    workspace_sign_in(client, "teladmin")
    old_token = api_token_issue(user=department_admin, actor=department_admin)[1]  # say, from before the rule
    client.get(reverse("accounts:two-factor"))
    device = TOTPDevice.objects.get(user=department_admin)
    response = client.post(reverse("accounts:two-factor"), {"code": code_now(device), "next": "/desk/"})
    assert response.url == "/desk/"
    for path in ["/desk/", "/desk/escalations/", "/admin/", "/admin/departments/department/"]:
        assert client.get(path).status_code == 200, path
    enrolled = AuditEvent.objects.get(kind=EventKind.OTP_ENROLLED)
    assert (enrolled.actor, enrolled.data["device"]) == (department_admin, device.persistent_id)
    # A token got with the password alone does not outlive the new second factor.
    assert client.get(reverse("department-list"), HTTP_AUTHORIZATION=f"Token {old_token}").status_code == 401
    assert not AuthToken.objects.filter(user=department_admin).exists()
    revoked = AuditEvent.objects.get(kind=EventKind.TOKEN_REVOKED)
    assert revoked.data["reason"] == "two_factor_enrolled"


def test_an_officer_whose_role_requires_nothing_works_without_a_device(client, officer):
    client.force_login(officer)
    assert client.get("/desk/").status_code == 200


# --- a user with a device whose session did not give the code ------------------------------------


@pytest.mark.parametrize("path", [*WORKSPACE_PAGES, *ADMIN_PAGES])
def test_a_session_that_did_not_give_the_code_is_sent_to_the_code_step(client, department_admin, path):
    enrol(department_admin)  # enrolled in another browser, or signed in by a door that asked no code
    client.force_login(department_admin)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(f"{reverse('accounts:two-factor-verify')}?next=")


def test_the_code_step_verifies_the_session_and_goes_on(client, department_admin, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own pause after a wrong code
    device = enrol(department_admin)
    client.force_login(department_admin)
    step = client.get("/admin/departments/department/", follow=True)
    assert step.status_code == 200
    assert b'autocomplete="one-time-code"' in step.content
    wrong = client.post(
        reverse("accounts:two-factor-verify"), {"code": wrong_code(device), "next": "/admin/departments/department/"}
    )
    assert wrong.status_code == 200
    assert "code" in wrong.context["form"].errors
    assert AuditEvent.objects.get(kind=EventKind.LOGIN_FAILED).data["username"] == "teladmin"
    right = client.post(
        reverse("accounts:two-factor-verify"), {"code": code_now(device), "next": "/admin/departments/department/"}
    )
    assert right.url == "/admin/departments/department/"
    assert client.get("/admin/departments/department/").status_code == 200
    assert client.get("/desk/").status_code == 200


def test_wrong_codes_at_the_code_step_lock_out_and_sign_out(client, officer):
    device = enrol(officer)
    client.force_login(officer)
    statuses = [
        client.post(reverse("accounts:two-factor-verify"), {"code": wrong_code(device)}).status_code for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    locked = client.post(reverse("accounts:two-factor-verify"), {"code": code_now(device)})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_workspace_sign_in_with_the_code_reaches_the_admin(client, department_admin):
    device = enrol(department_admin)
    signed_in = workspace_sign_in(client, "teladmin", code_now(device))
    assert final_url(signed_in) == reverse("workspace:queue")
    assert client.get("/admin/").status_code == 200
