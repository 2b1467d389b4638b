"""/healthz: is every part that Seva Desk needs reachable?

Anyone gets the verdict, `{"status": "ok" | "degraded"}`, with 200 or 503 (for load balancers and
uptime checks). Which component is down, and a short reason, is for signed-in staff and for callers
that send HEALTHZ_TOKEN as `X-Healthz-Token` (monitoring); never the exception's text, which names
hosts, ports and database users: that goes to the log. The Celery ping is a broadcast that waits up
to a second for workers, so its answer is kept for CELERY_PING_CACHE_SECONDS in each process."""

import hmac
import logging
import threading
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from seva.celery import app as celery_app

logger = logging.getLogger(__name__)

DETAIL_HEADER = "X-Healthz-Token"
CELERY_PING_CACHE_SECONDS = 5.0

_celery_cache: dict[str, object] = {}
_celery_lock = threading.Lock()


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure means "down"; the detail is for the log
        logger.warning("healthz: the database is unreachable", exc_info=True)
        return "unreachable"
    return None


def _check_redis() -> str | None:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception:
        logger.warning("healthz: Redis is unreachable", exc_info=True)
        return "unreachable"
    return None


def _ping_celery() -> str | None:
    try:
        replies = celery_app.control.ping(timeout=1.0)
    except Exception:
        logger.warning("healthz: the Celery ping failed", exc_info=True)
        return "ping failed"
    return None if replies else "no worker answered a ping"


def _check_celery(*, redis_error: str | None) -> str | None:
    if redis_error:
        return "broker unreachable"
    # One ping per process every few seconds, however many callers ask (the lock makes them wait for it).
    with _celery_lock:
        checked_at = _celery_cache.get("at")
        if checked_at is None or time.monotonic() - checked_at >= CELERY_PING_CACHE_SECONDS:
            _celery_cache["error"] = _ping_celery()
            _celery_cache["at"] = time.monotonic()
        return _celery_cache["error"]


def _may_see_detail(request) -> bool:
    if request.user.is_authenticated:
        return True
    expected = settings.HEALTHZ_TOKEN
    given = request.headers.get(DETAIL_HEADER, "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@never_cache
@require_GET
def healthz(request):
    errors = {"database": _check_database(), "redis": _check_redis()}
    errors["celery"] = _check_celery(redis_error=errors["redis"])
    healthy = all(error is None for error in errors.values())
    body: dict[str, object] = {"status": "ok" if healthy else "degraded"}
    if _may_see_detail(request):
        body["components"] = {name: ("up" if error is None else "down") for name, error in errors.items()}
        body["errors"] = {name: error for name, error in errors.items() if error}
    return JsonResponse(body, status=200 if healthy else 503)
