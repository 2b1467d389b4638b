import pytest
from rest_framework.test import APIClient

from departments.seed import seed_demo


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def seeded(db):
    """The demo configuration of DESIGN.md, as `seed_demo` makes it."""
    seed_demo(password="demo-pass-123")


@pytest.fixture
def client_for(db):
    """An API client authenticated with a token as the given user."""
    from rest_framework.authtoken.models import Token

    def make(user) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture(scope="session")
def celery_worker_running():
    """A real Celery worker, in this process, consuming from the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from seva.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app
