"""Settings shared by every environment; everything that varies comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from seva.schedules import daily_digest_schedule

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "seva.apps.SevaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    # API tokens: stored as digests, expiring, revocable (replaces rest_framework.authtoken).
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    # Seva's own receivers (session timeouts); no models.
    "seva.apps.SevaConfig",
    "accounts",
    "departments",
    "tickets",
    "ingestion",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A signed-in session ends when idle (SESSION_COOKIE_AGE) or SESSION_ABSOLUTE_TIMEOUT after its sign-in.
    "seva.sessions.SessionTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Sign-in attempts per client address at the login pages (SEVA_SIGN_IN_RATE), before any view.
    "seva.page_throttling.SignInThrottleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whether this session gave its one-time code: request.user.is_verified().
    "django_otp.middleware.OTPMiddleware",
    # A session that owes its one-time code (or its enrolment) reaches nothing but that step.
    "seva.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "seva.urls"
WSGI_APPLICATION = "seva.wsgi.application"
ASGI_APPLICATION = "seva.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/seva"),
}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "seva",
    }
}

# Sessions: one ends after SESSION_IDLE_TIMEOUT_MINUTES without a request, and
# SESSION_ABSOLUTE_TIMEOUT_HOURS after its sign-in in any case (seva.sessions).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30) * 60
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env.int("SESSION_ABSOLUTE_TIMEOUT_HOURS", default=12))

# Content-Security-Policy (django-csp 4): no inline script or style anywhere in our templates, so
# nothing outside our own origin runs or loads. The API docs relax styles and images (seva.urls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "admin:login"
# Where the one-time code step goes on to when it was not given a `next`.
LOGIN_REDIRECT_URL = "workspace:queue"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before any password is checked.
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Two-factor sign-in (django-otp, TOTP). Holders of these roles (departments.models.Role values),
# and ministry admins ("superuser"), must enrol a device; anyone may.
SEVA_2FA_REQUIRED_ROLES = tuple(env.list("SEVA_2FA_REQUIRED_ROLES", default=["department_admin", "superuser"]))
OTP_TOTP_ISSUER = "Seva Desk"
# The admin's device pages never show an enrolled device's secret or QR code again.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Lockout against password guessing (django-axes), at every door that authenticates (the admin
# login, the API token exchange): 5 failures for one username from one address lock that pair
# out for 15 minutes. Failures are rows in the database (AccessAttempt, visible to ministry admins
# in the admin, who can delete one to unlock early).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address behind NUM_PROXIES proxies, as the throttles read it (not the proxy's).
AXES_CLIENT_IP_CALLABLE = "seva.client_address.client_address"
# A successful sign-in clears that pair's failures, so occasional typos never add up.
AXES_RESET_ON_SUCCESS = True
# The audit chain already records every login (LOGIN events); no second, mutable log of them.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Never stored with a failed attempt: the password (always), and the one-time code.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "otp"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Stored in UTC, shown in India Standard Time.
USE_TZ = True
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("hi", _("Hindi"))]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Sign-in attempts (POSTs to /desk/login/ and /admin/login/) per client address, whoever they are
# for, counted in the cache (seva.page_throttling.SignInThrottleMiddleware); over it, a 429 page.
SEVA_SIGN_IN_RATE = env("SEVA_SIGN_IN_RATE", default="20/minute")

# Reverse proxies in front of the app: client addresses (throttling, login lockout) are read from
# X-Forwarded-For only this many hops deep; 0 trusts only the socket's address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

REST_FRAMEWORK = {
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # `Authorization: Token <token>`, as before; knox's tokens (seva.api.authentication).
        "seva.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "seva.api.pagination.SevaCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "seva.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's, counting per seva.client_address.client_address.
        "seva.api.throttling.AnonRateThrottle",
        "seva.api.throttling.UserRateThrottle",
    ],
    # auth_token: password attempts per client address at /api/v1/auth/token/ (seva.api.throttling).
    "DEFAULT_THROTTLE_RATES": {"anon": "120/minute", "user": "6000/minute", "auth_token": "10/minute"},
}
# API tokens (django-rest-knox) expire this many days after they are issued; a client asks again.
SEVA_API_TOKEN_TTL_DAYS = env.int("SEVA_API_TOKEN_TTL_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=SEVA_API_TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    # A token's life is fixed at issue: using it does not extend it.
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Seva Desk API",
    "DESCRIPTION": "Citizens' tweets to government handles as accountable tickets.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per reused choice set, so the schema has no ambiguous enums.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.lifecycle.Status",
        "TicketPriorityEnum": "tickets.lifecycle.Priority",
        "RoleEnum": "departments.models.Role",
        "IncidentStatusEnum": "tickets.models.IncidentStatus",
        "ReportExportFormatEnum": "tickets.exports.models.ExportFormat",
        "ReportExportStateEnum": "tickets.exports.models.ExportState",
    },
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
# Late acks: a worker killed mid-task leaves the message to be delivered again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE: dict = {
    "inbox-sweep": {"task": "ingestion.tasks.inbox_sweep", "schedule": 60.0},
    # The outbox: post due replies; settle replies whose sender died mid-post. A run not started
    # before the next one is due is dropped, so runs do not pile up while workers are down.
    "replies-send": {"task": "ingestion.tasks.replies_send", "schedule": 10.0, "options": {"expires": 10.0}},
    "replies-reconcile": {"task": "ingestion.tasks.replies_reconcile", "schedule": 60.0, "options": {"expires": 60.0}},
    # SLA escalations (L1-L3) every minute; resolved tickets close themselves 7 days on, checked hourly.
    "sla-sweep": {"task": "tickets.tasks.sla_sweep_task", "schedule": 60.0, "options": {"expires": 60.0}},
    "close-resolved": {"task": "tickets.tasks.close_resolved_task", "schedule": 3600.0, "options": {"expires": 600.0}},
    # Automatic assignment also runs at intake; this gives out what is still waiting (an officer came
    # on duty, a ticket left an incident or was reopened, a kick was lost).
    "business-times": {
        "task": "tickets.tasks.business_times_fill_task",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
    "auto-assign": {"task": "tickets.tasks.auto_assign_task", "schedule": 60.0, "options": {"expires": 60.0}},
    # Report exports older than SEVA_EXPORT_RETENTION_DAYS lose their files.
    "exports-expire": {"task": "tickets.tasks.exports_expire_task", "schedule": 3600.0, "options": {"expires": 600.0}},
    # The dashboard's rollup is written as deltas (no writer waits on another); folded every 5 minutes.
    # Posting tokens expiring within X_TOKEN_REFRESH_MARGIN_SECONDS are refreshed ahead of need.
    "account-tokens-refresh": {
        "task": "ingestion.tasks.account_tokens_refresh",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    "dashboard-rollup-compact": {
        "task": "tickets.tasks.dashboard_rollup_compact_task",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
}
# Automatic assignment never gives an officer more open tickets than this, unless their department
# (or one above it) sets its own number (Department.max_open_per_officer).
SEVA_MAX_OPEN_PER_OFFICER = env.int("SEVA_MAX_OPEN_PER_OFFICER", default=25)

# Report exports (tickets.exports): files under MEDIA_ROOT/exports/, never served by URL, only
# through the download views that check who asks. A report of at most SEVA_EXPORT_INLINE_MAX_ROWS
# tickets is built in the request; a bigger one by a worker, within SEVA_EXPORT_TIME_LIMIT_MINUTES.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
SEVA_EXPORT_INLINE_MAX_ROWS = env.int("SEVA_EXPORT_INLINE_MAX_ROWS", default=2000)
SEVA_EXPORT_RETENTION_DAYS = env.int("SEVA_EXPORT_RETENTION_DAYS", default=7)
SEVA_EXPORT_TIME_LIMIT_MINUTES = env.int("SEVA_EXPORT_TIME_LIMIT_MINUTES", default=120)
# A CSV or XLSX report of at least SEVA_EXPORT_PARALLEL_MIN_ROWS tickets has its rows read by
# SEVA_EXPORT_PARALLEL_PARTS connections at once (tickets/reports/row_parts.py); 1 reads in one piece.
# The parts run on the database server: set it to the cores that server can give one report.
SEVA_EXPORT_PARALLEL_PARTS = env.int("SEVA_EXPORT_PARALLEL_PARTS", default=min(4, os.cpu_count() or 1))
SEVA_EXPORT_PARALLEL_MIN_ROWS = env.int("SEVA_EXPORT_PARALLEL_MIN_ROWS", default=50_000)

# X API. With no bearer token the tweet source is the built-in simulator / fake X API.
X_API_BASE_URL = env("X_API_BASE_URL", default="http://127.0.0.1:8765")
X_API_BEARER_TOKEN = env("X_API_BEARER_TOKEN", default="")
X_API_CONSUMER_KEY = env("X_API_CONSUMER_KEY", default="")
X_API_CONSUMER_SECRET = env("X_API_CONSUMER_SECRET", default="")
# OAuth 2.0 user-context access tokens of the official accounts replies are posted from, as JSON
# {"BSNLCorporate": "<token>", ...}. Against a loopback fake X API a missing handle gets a fake token.
X_ACCOUNT_TOKENS = env.json("X_ACCOUNT_TOKENS", default={})
# The official accounts' posting credentials live in the database (ingestion.AccountCredential),
# encrypted with Fernet. SEVA_TOKEN_KEYS: comma-separated Fernet keys, the first encrypts, every one
# decrypts (add a new key first, run `manage.py rotate_account_token_keys`, then drop the old one).
# Empty here: the local and test settings set their own, production refuses to start without it.
SEVA_TOKEN_KEYS = env.list("SEVA_TOKEN_KEYS", default=[])
# OAuth 2.0 with PKCE, for a ministry admin to connect an account in the admin (X_API.md 1). The
# client secret is sent (HTTP Basic) only when set: a confidential client.
X_OAUTH_CLIENT_ID = env("X_OAUTH_CLIENT_ID", default="seva-desk")
X_OAUTH_CLIENT_SECRET = env("X_OAUTH_CLIENT_SECRET", default="")
X_OAUTH_AUTHORIZE_URL = env("X_OAUTH_AUTHORIZE_URL", default=f"{X_API_BASE_URL.rstrip('/')}/i/oauth2/authorize")
X_OAUTH_TOKEN_URL = env("X_OAUTH_TOKEN_URL", default=f"{X_API_BASE_URL.rstrip('/')}/2/oauth2/token")
# The callback X sends the admin back to, exactly as registered with X; empty: this site's own address.
X_OAUTH_REDIRECT_URI = env("X_OAUTH_REDIRECT_URI", default="")
X_OAUTH_SCOPES = env.list("X_OAUTH_SCOPES", default=["tweet.read", "tweet.write", "users.read", "offline.access"])
# A token expiring within this many seconds is refreshed: by the beat, and by the sender before it posts.
X_TOKEN_REFRESH_MARGIN_SECONDS = env.int("X_TOKEN_REFRESH_MARGIN_SECONDS", default=600)
# The posting budget (DESIGN "Posting budget"): posts of an account's 15-minute window, and of the app's
# 24-hour one, that acknowledgements leave for officers' replies yet to come, beyond the replies and
# incident resolutions already waiting there.
OUTBOX_ACK_RESERVE = env.int("OUTBOX_ACK_RESERVE", default=5)
OUTBOX_APP_ACK_RESERVE = env.int("OUTBOX_APP_ACK_RESERVE", default=100)
# Acknowledgements spend the app's 24-hour window at an even pace (an hour ahead at most).
OUTBOX_APP_ACK_PACED = env.bool("OUTBOX_APP_ACK_PACED", default=True)
# Recent search every minute: always with a real X token; against the fake X API only when asked, since
# the demo's filtered stream carries the same tweets. A run not started before the next is due is dropped.
X_SEARCH_POLL_ENABLED = env.bool("X_SEARCH_POLL_ENABLED", default=False)
X_SEARCH_POLL_INTERVAL_SECONDS = env.int("X_SEARCH_POLL_INTERVAL_SECONDS", default=60)
if X_API_BEARER_TOKEN or X_SEARCH_POLL_ENABLED:
    CELERY_BEAT_SCHEDULE["search-poll"] = {
        "task": "ingestion.tasks.search_poll_task",
        "schedule": float(X_SEARCH_POLL_INTERVAL_SECONDS),
        "options": {"expires": float(X_SEARCH_POLL_INTERVAL_SECONDS)},
    }
# The app's recent-search budget (X_API.md 5): requests per window for the plan; the poller also reads
# X's x-rate-limit-* headers and spends the smaller. Each run gets its share of what is left until the
# reset; X_SEARCH_FAIR_SHARE of a run's requests go to the queries polled longest ago (so every query
# is polled once per cycle), the rest to the queries with the most tweets expected since their last poll.
X_SEARCH_REQUESTS_PER_WINDOW = env.int("X_SEARCH_REQUESTS_PER_WINDOW", default=450)
X_SEARCH_WINDOW_SECONDS = env.int("X_SEARCH_WINDOW_SECONDS", default=900)
X_SEARCH_FAIR_SHARE = env.float("X_SEARCH_FAIR_SHARE", default=0.5)
# The filtered stream's plan (X_API.md 4.1; DESIGN "Organisations"): pay-per-use allows 1,000 rules of
# 1,024 characters (enterprise 25,000 of 2,048). The admin refuses a handle or hashtag that would need more.
X_STREAM_MAX_RULES = env.int("X_STREAM_MAX_RULES", default=1000)
X_STREAM_RULE_MAX_LENGTH = env.int("X_STREAM_RULE_MAX_LENGTH", default=1024)
# How often the stream consumer checks whether an admin changed a handle or a hashtag (one cheap query),
# and then changes X's rules while the stream stays connected: within a minute of the admin's save.
X_STREAM_RULES_RECHECK_SECONDS = env.float("X_STREAM_RULES_RECHECK_SECONDS", default=20.0)

# /healthz tells which component is down to signed-in staff, and to callers sending this as the
# X-Healthz-Token header (monitoring); empty: to staff only. Anyone else gets only ok / degraded.
HEALTHZ_TOKEN = env("HEALTHZ_TOKEN", default="")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="sevadesk@localhost")

# The daily digest (tickets.digest): yesterday's figures by mail to supervisors and the ministry's office,
# each morning at SEVA_DIGEST_TIME of India's clock (HH:MM; IST has no daylight saving, so it is a fixed
# UTC time for beat, which keeps UTC). Retried runs and a second beat send nothing twice.
SEVA_DIGEST_TIME = env("SEVA_DIGEST_TIME", default="08:00")
SEVA_DIGEST_FROM_EMAIL = env("SEVA_DIGEST_FROM_EMAIL", default="") or DEFAULT_FROM_EMAIL
CELERY_BEAT_SCHEDULE["daily-digest"] = {
    "task": "tickets.tasks.daily_digest_task",
    "schedule": daily_digest_schedule(SEVA_DIGEST_TIME, TIME_ZONE),
    # A run waiting for a worker still goes within six hours; after that it would only arrive at night.
    "options": {"expires": 6 * 3600.0},
}
# The workspace's address as staff reach it, for the links in mail (the digest's).
SEVA_SITE_URL = env("SEVA_SITE_URL", default="http://127.0.0.1:8000")
# Whom the installation serves, under "Seva Desk" on the pages that are no one ministry's (sign-in,
# the public status page); the workspace names the user's own ministries. Empty: "Government of
# India", translated; the Hindi name falls back to the English one.
SEVA_INSTALLATION_NAME = env("SEVA_INSTALLATION_NAME", default="")
SEVA_INSTALLATION_NAME_HI = env("SEVA_INSTALLATION_NAME_HI", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # httpx logs every request at INFO, with the long X API URLs.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
