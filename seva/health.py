"""/healthz: is every part that Seva Desk needs reachable?"""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from seva.celery import app as celery_app


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported by name
        return str(exc)
    return None


def _check_redis() -> str | None:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return str(exc)
    return None


def _check_celery(*, redis_error: str | None) -> str | None:
    if redis_error:
        return "broker unreachable"
    try:
        replies = celery_app.control.ping(timeout=1.0)
    except Exception as exc:  # noqa: BLE001
        return str(exc)
    return None if replies else "no worker answered a ping"


@never_cache
@require_GET
def healthz(request):
    errors = {"database": _check_database(), "redis": _check_redis()}
    errors["celery"] = _check_celery(redis_error=errors["redis"])
    components = {name: ("up" if error is None else "down") for name, error in errors.items()}
    healthy = all(error is None for error in errors.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "components": components,
        "errors": {name: error for name, error in errors.items() if error},
    }
    return JsonResponse(body, status=200 if healthy else 503)
