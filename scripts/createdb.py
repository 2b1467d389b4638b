"""Create the database named in DATABASE_URL when it does not exist (idempotent)."""

import os
import sys
from urllib.parse import urlparse

import psycopg
from psycopg import sql

url = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/seva"))
name = url.path.lstrip("/")
admin_url = url._replace(path="/postgres").geturl()
try:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            sys.stdout.write(f"[services] created database {name}\n")
except psycopg.OperationalError as exc:
    sys.exit(f"[services] cannot reach PostgreSQL at {url.hostname}:{url.port}: {exc}")
