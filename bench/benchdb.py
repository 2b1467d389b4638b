"""What the benchmarks share: each runs against a database of its own on DATABASE_URL's server, in a
child process (`child_run`) so Django's settings read that database's URL; progress goes to stderr
and each child prints its figures as one JSON line on stdout."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def bench_database_url(name: str) -> str:
    url = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/seva"))
    return url._replace(path=f"/{name}").geturl()


def bench_env(database: str, *, log_level: str = "WARNING") -> dict:
    """The environment of a bench's child process, with its database created (not yet migrated).
    DEBUG off: Django's debug cursor would keep every statement of the run."""
    env = {**os.environ, "DATABASE_URL": bench_database_url(database), "LOG_LEVEL": log_level, "DEBUG": "false"}
    subprocess.run([sys.executable, str(ROOT / "scripts" / "createdb.py")], env=env, check=True)
    return env


def child_run(script: str, args: list[str], env: dict, *, timeout: float | None = None) -> dict | list:
    """Run `script` with `args` in `env`; what its last line of stdout says, as JSON. A timeout
    raises subprocess.TimeoutExpired."""
    out = subprocess.run(
        [sys.executable, script, *args], env=env, check=True, stdout=subprocess.PIPE, text=True, timeout=timeout
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def fill_state_matches(table: str, *, count: int, version: int) -> bool:
    """Whether the bench database already holds the data `count` and `version` describe: a bench
    that builds a large set keeps a one-row table saying what it built, so a second run reuses it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(f"SELECT tickets, version FROM {table}")  # nosec B608 - the bench's own table
        return cursor.fetchone() == (count, version)
