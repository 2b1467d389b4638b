"""Test runs: the real PostgreSQL and Redis, fast password hashing."""

from cryptography.fernet import Fernet

from .base import *  # noqa: F403
from .base import CACHES, INSTALLED_APPS, env

# Tests drive the doors through the fake X API and the simulator.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests get a Redis database of their own, so a demo's worker never takes a test's tasks.
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES["default"]["LOCATION"] = REDIS_URL
CACHES["default"]["KEY_PREFIX"] = "seva-test"
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"}}
# Throttles count per address in Redis across tests; the tests of a throttle set their own rate.
# A key made up for this test run alone.
SEVA_TOKEN_KEYS = [Fernet.generate_key().decode()]
SEVA_SIGN_IN_RATE = "100000/minute"
# Tests sign staff in with force_login, which gives no one-time code: no role requires one unless a
# test says so (tests/accounts name the roles they require; a confirmed device is always enforced).
SEVA_2FA_REQUIRED_ROLES: tuple[str, ...] = ()
