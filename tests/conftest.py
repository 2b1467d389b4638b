import uuid

import pytest
import redis
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
    """An API client authenticated with a token as the given user (issued as the token API does)."""
    from accounts.services import api_token_issue

    def make(user) -> APIClient:
        client = APIClient()
        _token, key = api_token_issue(user=user, actor=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def celery_worker_running():
    """A real Celery worker, in this process, consuming from the real Redis broker.

    Per test, not per session: a worker left running would take other tests' tasks (the outbox
    sender, inbox processing) and race them."""
    from celery.contrib.testing.worker import start_worker

    from seva.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app


@pytest.fixture
def ingest_lines(seeded):
    """Ingest documents (dicts or raw lines) through the file door, as `ingest_file` does; returns its summary."""
    import io
    import json

    from ingestion.files import ingest_stream

    def ingest(*documents, batch_size: int = 2000):
        lines = [doc if isinstance(doc, (str, bytes)) else json.dumps(doc) for doc in documents]
        data = b"\n".join(line.encode() if isinstance(line, str) else line for line in lines) + b"\n"
        return ingest_stream(io.BytesIO(data), batch_size=batch_size)

    return ingest


@pytest.fixture
def own_cache_keys(settings):
    """Real Redis, but keys of this test only: search pauses and inbox kicks never leak between
    tests (the door and simulator tests use it for every test). Removed by prefix afterwards
    (clearing the cache would flush the whole Redis database)."""
    prefix = f"seva-test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}
    yield
    with redis.Redis.from_url(settings.REDIS_URL) as client:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def fake_x(settings):
    """The fake X API on a free port, with the settings pointing at it (no bearer token)."""
    from devtools.fake_x import FakeXApi

    with FakeXApi(keepalive_interval=0.05) as fake:
        settings.X_API_BASE_URL = fake.base_url
        settings.X_API_BEARER_TOKEN = ""
        yield fake


@pytest.fixture
def x_client(fake_x):
    from ingestion.x_client import XClient

    with XClient(base_url=fake_x.base_url, bearer_token="", timeout=2.0, account_tokens={}) as client:
        yield client
