import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_healthz_reports_redis_down_as_503(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["components"]["redis"] == "down"
    assert body["components"]["database"] == "up"
    assert "redis" in body["errors"]


@pytest.mark.django_db(transaction=True)  # starting a worker closes this thread's connection (Celery's fixup)
def test_healthz_is_200_with_every_component_up(client, celery_worker_running):
    response = client.get("/healthz")
    assert response.json()["components"] == {"database": "up", "redis": "up", "celery": "up"}
    assert response.status_code == 200
