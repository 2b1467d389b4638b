"""/healthz: the verdict for anyone; which component is down (a short reason, never the exception's
text) for signed-in staff and for the monitoring token; the Celery ping kept a few seconds."""

import pytest
from django.db import connection
from django.test import override_settings

from seva import health
from tests.factories import UserFactory

TOKEN = "monitoring-token-for-tests"
REDIS_DOWN = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def fresh_celery_ping(settings):
    settings.HEALTHZ_TOKEN = TOKEN
    health._celery_cache.clear()
    yield
    health._celery_cache.clear()


@pytest.fixture
def pings(monkeypatch):
    """Celery's ping, counted, with a worker answering."""
    calls = []

    def ping(timeout):
        calls.append(timeout)
        return [{"celery@test": {"ok": "pong"}}]

    monkeypatch.setattr(health.celery_app.control, "ping", ping)
    return calls


@pytest.mark.django_db
def test_an_anonymous_caller_gets_only_the_verdict(client):
    with override_settings(REDIS_URL=REDIS_DOWN):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}


@pytest.mark.django_db
def test_the_monitoring_token_gets_the_components_without_exception_text(client):
    with override_settings(REDIS_URL=REDIS_DOWN):
        response = client.get("/healthz", headers={"X-Healthz-Token": TOKEN})
    assert response.status_code == 503
    body = response.json()
    assert body["components"] == {"database": "up", "redis": "down", "celery": "down"}
    assert body["errors"] == {"redis": "unreachable", "celery": "broker unreachable"}
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["wrong", "", TOKEN[:-1]])
def test_a_wrong_token_gets_only_the_verdict(client, token):
    with override_settings(REDIS_URL=REDIS_DOWN):
        response = client.get("/healthz", headers={"X-Healthz-Token": token})
    assert response.json() == {"status": "degraded"}


@pytest.mark.django_db
def test_with_no_token_configured_no_header_opens_the_detail(client, settings):
    settings.HEALTHZ_TOKEN = ""
    with override_settings(REDIS_URL=REDIS_DOWN):
        response = client.get("/healthz", headers={"X-Healthz-Token": ""})
    assert response.json() == {"status": "degraded"}


@pytest.mark.django_db
def test_signed_in_staff_get_the_components(client):
    client.force_login(UserFactory())
    with override_settings(REDIS_URL=REDIS_DOWN):
        body = client.get("/healthz").json()
    assert body["components"]["redis"] == "down"


@pytest.mark.django_db
def test_a_database_failure_is_a_short_reason_and_the_text_goes_to_the_log(client, monkeypatch, caplog, pings):
    secret = 'connection to server at "db.internal" (10.1.2.3), port 5432 failed: password for user "seva"'

    def broken_cursor(*args, **kwargs):
        raise RuntimeError(secret)

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    with caplog.at_level("WARNING", logger="seva.health"):
        response = client.get("/healthz", headers={"X-Healthz-Token": TOKEN})
    assert response.status_code == 503
    assert response.json()["errors"] == {"database": "unreachable"}
    assert "db.internal" not in response.content.decode()
    assert any(secret in record.exc_text for record in caplog.records if record.exc_text)


@pytest.mark.django_db
def test_the_celery_ping_is_kept_a_few_seconds(client, pings, monkeypatch):
    statuses = [client.get("/healthz").status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert len(pings) == 1
    now = health.time.monotonic()
    monkeypatch.setattr(health.time, "monotonic", lambda: now + health.CELERY_PING_CACHE_SECONDS + 1)
    client.get("/healthz")
    assert len(pings) == 2


@pytest.mark.django_db(transaction=True)  # starting a worker closes this thread's connection (Celery's fixup)
def test_healthz_is_200_with_every_component_up(client, celery_worker_running):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    detail = client.get("/healthz", headers={"X-Healthz-Token": TOKEN}).json()
    assert detail == {"status": "ok", "components": {"database": "up", "redis": "up", "celery": "up"}, "errors": {}}
