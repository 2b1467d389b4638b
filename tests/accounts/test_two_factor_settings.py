"""Which roles must use two-factor sign-in: every staff role in production, unless the setting
says otherwise (a demo may turn it off)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from departments.models import Role

REPOSITORY = Path(__file__).resolve().parents[2]
# What production settings insist on being given, with harmless values.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "seva.settings.production",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "seva.example.gov.in",
    "DATABASE_URL": "postgres://seva@127.0.0.1:5432/seva",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "X_API_BEARER_TOKEN": "bearer",
    "X_API_CONSUMER_KEY": "key",
    "X_API_CONSUMER_SECRET": "secret",
    "SEVA_TOKEN_KEYS": "Y2hlY2stb25seS1zdGFuZC1pbi1mZXJuZXQta2V5LTE=",  # a stand-in Fernet key, 32 bytes
}


def production_roles(**env: str) -> list[str]:
    """SEVA_2FA_REQUIRED_ROLES as production settings compute it, in a process of its own."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SEVA_2FA")}
    environment.update(PRODUCTION_ENV, **env)
    code = "import json, seva.settings.production as p; print(json.dumps(list(p.SEVA_2FA_REQUIRED_ROLES)))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPOSITORY, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_requires_two_factor_of_every_staff_role_by_default():
    assert set(production_roles()) == {*Role.values, "superuser"}


def test_the_setting_still_overrides_production_and_may_turn_it_off():
    assert production_roles(SEVA_2FA_REQUIRED_ROLES="department_admin") == ["department_admin"]
    assert production_roles(SEVA_2FA_REQUIRED_ROLES="") == []
