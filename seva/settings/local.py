"""Developer machine and demo: safe defaults, nothing secret."""

from .base import *  # noqa: F403
from .base import X_API_CONSUMER_SECRET, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-a-secret")
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", default=".celerybeat-schedule")
# The demo's webhook needs a consumer secret to check signatures (and the simulator one to sign with).
X_API_CONSUMER_SECRET = X_API_CONSUMER_SECRET or "local-demo-consumer-secret"
