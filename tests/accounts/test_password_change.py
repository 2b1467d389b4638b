"""Staff change their own password in the workspace: their other sessions are signed out, their API
tokens revoked, and it is a PASSWORD_CHANGED event. A password set in the admin revokes tokens too."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from knox.models import AuthToken

from accounts.services import api_token_issue
from tests.accounts.conftest import PASSWORD
from tests.factories import UserFactory
from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-newer-pass-789"


def sign_in(client, username: str = "telofficer", password: str = PASSWORD):
    response = client.post(reverse("workspace:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content
    return client


def change(client, old: str = PASSWORD, new: str = NEW_PASSWORD):
    body = {"old_password": old, "new_password1": new, "new_password2": new}
    return client.post(reverse("workspace:password-change"), body)


def test_the_workspace_links_to_the_page_in_its_own_look(client, officer):
    sign_in(client)
    queue = client.get(reverse("workspace:queue"))
    assert f'href="{reverse("workspace:password-change")}"'.encode() in queue.content
    page = client.get(reverse("workspace:password-change"))
    assert page.status_code == 200
    assert "workspace/base.html" in [template.name for template in page.templates]
    html = page.content.decode()
    for name in ("old_password", "new_password1", "new_password2"):
        assert f'name="{name}"' in html


def test_signed_out_visitors_are_sent_to_the_workspace_sign_in(client):
    response = client.get(reverse("workspace:password-change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("workspace:login"))


def test_a_wrong_old_password_changes_nothing(client, officer):
    sign_in(client)
    response = change(client, old="not-my-password")
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGED).exists()


def test_a_change_keeps_this_session_signs_out_the_others_and_revokes_the_tokens(client, officer):
    this, other = sign_in(client), sign_in(Client())
    _token, key = api_token_issue(user=officer, actor=officer)
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("department-list")).status_code == 200

    response = change(this)
    assert response.status_code == 302
    assert response.url == reverse("workspace:password-change-done")
    assert this.get(response.url).status_code == 200

    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    assert this.get(reverse("workspace:queue")).status_code == 200
    signed_out = other.get(reverse("workspace:queue"))
    assert signed_out.status_code == 302
    assert signed_out.url.startswith(reverse("workspace:login"))
    assert api.get(reverse("department-list")).status_code == 401
    assert not AuthToken.objects.filter(user=officer).exists()

    changed = AuditEvent.objects.get(kind=EventKind.PASSWORD_CHANGED)
    assert (changed.actor, changed.data["user"], changed.data["tokens_revoked"]) == (officer, officer.pk, 1)
    assert NEW_PASSWORD not in str(changed.data)
    # And the new password signs in.
    sign_in(Client(), password=NEW_PASSWORD)


def test_a_password_set_in_the_admin_revokes_the_users_tokens(client, officer):
    minister = UserFactory(username="minister_admin", is_superuser=True, is_staff=True)
    _token, key = api_token_issue(user=officer, actor=officer)
    client.force_login(minister)
    url = reverse("admin:auth_user_password_change", args=[officer.pk])
    response = client.post(
        url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true", "set-password": "1"}
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get(reverse("department-list")).status_code == 401
    changed = AuditEvent.objects.get(kind=EventKind.PASSWORD_CHANGED)
    assert (changed.actor, changed.data["user"], changed.data["tokens_revoked"]) == (minister, officer.pk, 1)


def test_the_page_is_in_hindi_for_hindi_readers(client, officer):
    officer.preferred_language = "hi"
    officer.save(update_fields=["preferred_language"])
    sign_in(client)  # opens in the language saved with the account
    response = client.get(reverse("workspace:password-change"))
    with translation.override("hi"):
        for text in ("Change your password", "Change password", "Old password"):
            translated = translation.gettext(text)
            assert translated != text
            assert translated in response.content.decode()
