"""What the benchmarks share: each runs against a database of its own on DATABASE_URL's server."""

import os
from urllib.parse import urlparse


def bench_database_url(name: str) -> str:
    url = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/seva"))
    return url._replace(path=f"/{name}").geturl()
