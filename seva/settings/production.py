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
X_OAUTH_AUTHORIZE_URL = env("X_OAUTH_AUTHORIZE_URL", default="https://x.com/i/oauth2/authorize")
X_OAUTH_TOKEN_URL = env("X_OAUTH_TOKEN_URL", default="https://api.x.com/2/oauth2/token")
# The accounts' posting tokens are encrypted with these; without them nothing could be read or written.
SEVA_TOKEN_KEYS = env.list("SEVA_TOKEN_KEYS", default=[])
if not SEVA_TOKEN_KEYS:
    raise ImproperlyConfigured("Set SEVA_TOKEN_KEYS (comma-separated Fernet keys) to encrypt the accounts' tokens.")
# Links in mail (the daily digest) point at the first host the site answers to, over HTTPS, unless told.
SEVA_SITE_URL = env("SEVA_SITE_URL", default=f"https://{ALLOWED_HOSTS[0]}")

# HTTPS only: plain HTTP is redirected (the proxy says which it got), and browsers are told to use
# HTTPS for a year, subdomains included. Preloading is the operator's decision, so not asked for.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# The load balancer's probe may ask over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
# check --deploy's reminder that preloading is off: it is off on purpose, until the operator asks.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# __Host- cookies: the browser takes them only over HTTPS, for this host alone, on path /.
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
CELERY_WORKER_SEND_TASK_EVENTS = True

# Two-factor sign-in: in production every staff role must use it; SEVA_2FA_REQUIRED_ROLES still
# overrides (a demo may set it empty to turn it off).
SEVA_2FA_REQUIRED_ROLES = tuple(
    env.list(
        "SEVA_2FA_REQUIRED_ROLES",
        default=["officer", "supervisor", "department_admin", "auditor", "superuser"],
    )
)
