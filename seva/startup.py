"""Which settings a server process runs with is always said, never assumed."""

import os

from django.core.exceptions import ImproperlyConfigured

MISSING_SETTINGS = (
    "DJANGO_SETTINGS_MODULE is not set. Set it to seva.settings.production on a server "
    "(or seva.settings.local on a developer's machine; `make run` does). Seva Desk does not "
    "fall back to the local settings, whose secrets are public."
)


def settings_module_required() -> None:
    """For wsgi.py, asgi.py and celery.py: refuse to start without DJANGO_SETTINGS_MODULE."""
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        raise ImproperlyConfigured(MISSING_SETTINGS)
