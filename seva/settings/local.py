"""Developer machine and demo: safe defaults, nothing secret."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, X_API_CONSUMER_SECRET, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-a-secret")
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", default=".celerybeat-schedule")
# The demo's webhook needs a consumer secret to check signatures (and the simulator one to sign with).
X_API_CONSUMER_SECRET = X_API_CONSUMER_SECRET or "local-demo-consumer-secret"
# The fake X API, the tweet generator and the simulator (`make run` starts them); never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
# A fixed, public development key, so tokens saved by one run of the demo can be read by the next.
SEVA_TOKEN_KEYS = env.list("SEVA_TOKEN_KEYS", default=["ZGV2LW9ubHktc2V2YS10b2tlbi1rZXktbm90LXNlY3I="])
