"""Production: refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured("Set the DATABASE_URL environment variable.")
if not env("REDIS_URL", default=""):
    raise ImproperlyConfigured("Set the REDIS_URL environment variable.")
X_API_BEARER_TOKEN = env("X_API_BEARER_TOKEN")
X_API_CONSUMER_KEY = env("X_API_CONSUMER_KEY")
X_API_CONSUMER_SECRET = env("X_API_CONSUMER_SECRET")
X_API_BASE_URL = env("X_API_BASE_URL", default="https://api.x.com")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 30
SECURE_CONTENT_TYPE_NOSNIFF = True
CELERY_WORKER_SEND_TASK_EVENTS = True

# Two-factor sign-in: in production every staff role must use it; SEVA_2FA_REQUIRED_ROLES still
# overrides (a demo may set it empty to turn it off).
SEVA_2FA_REQUIRED_ROLES = tuple(
    env.list(
        "SEVA_2FA_REQUIRED_ROLES",
        default=["officer", "supervisor", "department_admin", "auditor", "superuser"],
    )
)
