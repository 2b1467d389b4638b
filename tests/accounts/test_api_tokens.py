"""API tokens (django-rest-knox): they expire, their owner revokes one or all, a ministry admin
revokes any in the admin, a password change revokes them all, and the database keeps no token."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken

from accounts.services import api_token_issue, user_password_change
from tests.accounts.conftest import PASSWORD
from tests.factories import UserFactory
from tickets.models import AuditEvent, EventKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("token_throttle")]


def status_with(api_client, token: str) -> int:
    return api_client.get(reverse("department-list"), HTTP_AUTHORIZATION=f"Token {token}").status_code


def obtain(api_client, username: str = "telofficer") -> str:
    response = api_client.post(reverse("auth-token"), {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_a_token_expires_after_the_configured_days(api_client, officer, settings):
    settings.SEVA_API_TOKEN_TTL_DAYS = 7
    before = timezone.now()
    response = api_client.post(reverse("auth-token"), {"username": "telofficer", "password": PASSWORD}, format="json")
    token = response.json()["token"]
    stored = AuthToken.objects.get(user=officer)
    assert timedelta(days=7) <= stored.expiry - before <= timedelta(days=7, minutes=1)
    assert parse_datetime(response.json()["expiry"]) == stored.expiry
    assert status_with(api_client, token) == 200
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    response = api_client.get(reverse("department-list"), HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_the_default_life_is_thirty_days(officer):
    from django.conf import settings

    token, _key = api_token_issue(user=officer, actor=officer)
    assert settings.SEVA_API_TOKEN_TTL_DAYS == 30
    assert timedelta(days=29, hours=23) < token.expiry - timezone.now() <= timedelta(days=30)


def test_the_database_holds_no_token(api_client, officer):
    token = obtain(api_client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        rows = cursor.fetchall()
    assert len(rows) == 1
    digest, key_prefix = rows[0]
    assert token not in digest
    assert len(key_prefix) < len(token) // 4  # knox keeps the first 15 characters, to find the row
    # Nor does the audit trail.
    issued = AuditEvent.objects.get(kind=EventKind.TOKEN_ISSUED)
    assert (issued.actor, issued.data["user"]) == (officer, officer.pk)
    assert token not in str(issued.data)
    assert key_prefix not in str(issued.data)


def test_a_user_revokes_the_token_they_use_and_keeps_the_others(api_client, officer):
    first, second = obtain(api_client), obtain(api_client)
    response = api_client.post(reverse("auth-token-revoke"), HTTP_AUTHORIZATION=f"Token {first}")
    assert response.status_code == 204
    assert status_with(api_client, first) == 401
    assert status_with(api_client, second) == 200
    revoked = AuditEvent.objects.get(kind=EventKind.TOKEN_REVOKED)
    assert (revoked.actor, revoked.data["reason"], len(revoked.data["tokens"])) == (officer, "revoked", 1)


def test_a_user_revokes_all_their_tokens(api_client, officer, client_for):
    first, second = obtain(api_client), obtain(api_client)
    other = client_for(UserFactory(username="someone_else"))
    response = api_client.post(reverse("auth-token-revoke-all"), HTTP_AUTHORIZATION=f"Token {first}")
    assert response.status_code == 204
    assert (status_with(api_client, first), status_with(api_client, second)) == (401, 401)
    assert other.get(reverse("department-list")).status_code == 200
    assert len(AuditEvent.objects.get(kind=EventKind.TOKEN_REVOKED).data["tokens"]) == 2


def test_revoking_needs_a_token(api_client, officer):
    assert api_client.post(reverse("auth-token-revoke")).status_code == 401
    assert api_client.post(reverse("auth-token-revoke"), HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_a_header_that_is_not_utf8_is_a_401(api_client):
    assert api_client.get(reverse("department-list"), HTTP_AUTHORIZATION="Token caf\xe9").status_code == 401


def test_after_a_password_change_old_tokens_are_refused(api_client, officer):
    token = obtain(api_client)
    user_password_change(user=officer, password="a-new-pass-456", actor=officer)
    assert status_with(api_client, token) == 401
    changed = AuditEvent.objects.get(kind=EventKind.PASSWORD_CHANGED)
    assert (changed.actor, changed.data["tokens_revoked"]) == (officer, 1)
    assert AuditEvent.objects.get(kind=EventKind.TOKEN_REVOKED).data["reason"] == "password_changed"


def test_a_ministry_admin_revokes_a_token_in_the_admin(api_client, client, officer):
    token = obtain(api_client)
    minister = UserFactory(username="minister_admin", is_superuser=True, is_staff=True)
    client.force_login(minister)
    changelist = client.get(reverse("admin:knox_authtoken_changelist"))
    assert changelist.status_code == 200
    assert token not in changelist.content.decode()
    stored = AuthToken.objects.get(user=officer)
    assert client.get(reverse("admin:knox_authtoken_add")).status_code == 403
    response = client.post(
        reverse("admin:knox_authtoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [stored.pk]},
    )
    assert response.status_code == 302
    assert status_with(api_client, token) == 401
    revoked = AuditEvent.objects.get(kind=EventKind.TOKEN_REVOKED)
    assert (revoked.actor, revoked.data["user"]) == (minister, officer.pk)


def test_a_department_admin_does_not_see_tokens_in_the_admin(client, department_admin):
    client.force_login(department_admin)
    assert client.get(reverse("admin:knox_authtoken_changelist")).status_code == 403


def test_issue_token_prints_a_working_token(api_client, officer):
    out, err = StringIO(), StringIO()
    call_command("issue_token", "telofficer", stdout=out, stderr=err)
    token = out.getvalue().strip().splitlines()[-1]
    assert status_with(api_client, token) == 200
    assert "Authorization: Token <token>" in err.getvalue()
    issued = AuditEvent.objects.get(kind=EventKind.TOKEN_ISSUED)
    assert (issued.actor, issued.data["user"]) == (None, officer.pk)


def test_the_schema_documents_revoking():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/v1/auth/token/revoke/", "/api/v1/auth/token/revoke-all/"):
        operation = schema["paths"][path]["post"]
        assert set(operation["responses"]) == {"204", "401", "429"}
        assert operation["security"] == [{"tokenAuth": []}]
