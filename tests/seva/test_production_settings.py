"""Production settings: HTTPS only, __Host- cookies, the Content-Security-Policy, session timeouts,
and no silent fall-back to the local settings."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from seva.sessions import SEEN_AT_KEY, SIGNED_IN_AT_KEY
from tests.ingestion.factories import BSNL, v2_tweet
from tickets.models import Ticket

ROOT = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "seva.settings.production",
    "SECRET_KEY": "a-stand-in-secret-for-this-test-only-" + "x" * 40,
    "ALLOWED_HOSTS": "seva.example.invalid",
    "DATABASE_URL": "postgres://check@127.0.0.1:5432/check",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "X_API_BEARER_TOKEN": "check",
    "X_API_CONSUMER_KEY": "check",
    "X_API_CONSUMER_SECRET": "check",
    "SEVA_TOKEN_KEYS": "Y2hlY2stb25seS1zdGFuZC1pbi1mZXJuZXQta2V5LTE=",
}


def run_python(code: str, *, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_turn_on_https_only_and_host_only_cookies():
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_NAME",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_AGE",
        "CONTENT_SECURITY_POLICY",
        "DEBUG",
    ]
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}, default=str))"
    )
    result = run_python(code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_AGE"] == 30 * 60
    assert values["DEBUG"] is False
    directives = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == directives["base-uri"] == directives["frame-ancestors"] == ["'none'"]


def test_the_deployment_checklist_passes_with_production_settings():
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        env=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("module", ["seva.wsgi", "seva.asgi", "seva.celery"])
def test_servers_refuse_to_start_without_a_settings_module(module):
    result = run_python(f"import {module}", env={})
    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stderr
    # It did not quietly start with the local settings instead.
    assert "local-development-only" not in result.stdout + result.stderr


def test_a_server_starts_with_the_settings_module_given():
    result = run_python("import seva.wsgi; print('started')", env={"DJANGO_SETTINGS_MODULE": "seva.settings.test"})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


# --- the Content-Security-Policy, and pages that keep working under it ----------------------------


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # a script without src runs inline
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle=", re.I),
    re.compile(r"\son[a-z]+=", re.I),  # onclick= and friends
    re.compile(r"javascript:", re.I),
]


def signed_in(client, username: str):
    client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def ticket(ingest_lines) -> Ticket:
    ingest_lines(v2_tweet("@BSNLCorporate broadband down in Kochi #BSNLSeva", mentions=[BSNL]))
    return Ticket.objects.get()


@pytest.mark.django_db
def test_every_page_has_the_policy_and_nothing_inline_it_would_block(client, ticket, settings):
    settings.SEVA_2FA_REQUIRED_ROLES = ()
    anonymous = [
        reverse("public-status-lookup"),
        reverse("public-status", args=[ticket.number]),
        reverse("workspace:login"),
        reverse("admin:login"),
    ]
    staff = [
        reverse("workspace:queue"),
        reverse("workspace:ticket", args=[ticket.number]),
        reverse("workspace:dashboard"),
        reverse("workspace:escalations"),
        reverse("accounts:two-factor"),
    ]
    pages = [(path, client.get(path)) for path in anonymous]
    signed_in(client, "bsnl_supervisor")
    pages += [(path, client.get(path)) for path in staff]
    for path, response in pages:
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in policy, (path, policy)
        if path == reverse("admin:login"):
            continue  # Django's own template
        html = response.content.decode()
        for pattern in INLINE:
            assert not pattern.search(html), (path, pattern.pattern, pattern.search(html))


@pytest.mark.django_db
def test_the_api_docs_run_their_start_up_script_from_a_file(client):
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    assert not INLINE[0].search(page.content.decode())
    directives = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
    # Scripts stay under default-src 'self': only styles and images are relaxed for the docs.
    assert "script-src" not in directives
    assert directives["default-src"] == "'self'"
    script = client.get(reverse("api-docs"), {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


# --- session timeouts ---------------------------------------------------------------------------------


def set_session_times(client, **times) -> None:
    session = client.session
    for key, when in times.items():
        session[key] = when.timestamp()
    session.save()


@pytest.mark.django_db
def test_a_session_idle_for_30_minutes_is_signed_out(client, seeded):
    signed_in(client, "bsnl_officer")
    set_session_times(client, **{SEEN_AT_KEY: timezone.now() - timedelta(minutes=29)})
    assert client.get(reverse("workspace:queue")).status_code == 200
    # That request counted as activity: the session's row and cookie now last 30 minutes from it.
    session = Session.objects.get(session_key=client.session.session_key)
    assert timedelta(minutes=29) < session.expire_date - timezone.now() <= timedelta(minutes=30)
    assert timezone.now().timestamp() - client.session[SEEN_AT_KEY] < 60

    set_session_times(client, **{SEEN_AT_KEY: timezone.now() - timedelta(minutes=30, seconds=5)})
    response = client.get(reverse("workspace:queue"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_expired_session_row_is_signed_out_too(client, seeded):
    signed_in(client, "bsnl_officer")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(reverse("workspace:queue")).status_code == 302


@pytest.mark.django_db
def test_a_busy_page_does_not_write_the_session_each_request(client, seeded):
    signed_in(client, "bsnl_officer")
    key = client.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    for _ in range(3):
        assert client.get(reverse("workspace:queue")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == before


@pytest.mark.django_db
def test_a_busy_session_ends_12_hours_after_its_sign_in(client, seeded, settings):
    settings.SEVA_2FA_REQUIRED_ROLES = ()
    body = {"username": "bsnl_officer", "password": "demo-pass-123"}
    assert client.post(reverse("workspace:login"), body).status_code == 302
    assert SIGNED_IN_AT_KEY in client.session
    set_session_times(client, **{SIGNED_IN_AT_KEY: timezone.now() - timedelta(hours=11, minutes=59)})
    assert client.get(reverse("workspace:queue")).status_code == 200
    set_session_times(client, **{SIGNED_IN_AT_KEY: timezone.now() - timedelta(hours=12, minutes=1)})
    response = client.get(reverse("workspace:queue"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    # Signing in again starts a new 12 hours.
    assert client.post(reverse("workspace:login"), body).status_code == 302
    assert client.get(reverse("workspace:queue")).status_code == 200
    assert timezone.now().timestamp() - client.session[SIGNED_IN_AT_KEY] < 60


@pytest.mark.django_db
def test_the_token_api_leaves_no_session_behind(api_client, seeded, settings):
    settings.SEVA_2FA_REQUIRED_ROLES = ()
    body = {"username": "bsnl_officer", "password": "demo-pass-123"}
    response = api_client.post(reverse("auth-token"), body, format="json", REMOTE_ADDR="192.0.2.201")
    assert response.status_code == 200, response.content
    assert not Session.objects.exists()
