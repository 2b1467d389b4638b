import json
from pathlib import Path

import pytest

from ingestion.files import ingest_path, ingest_stream

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    return SHARED_DATA


@pytest.fixture
def ingest_lines(seeded):
    """Ingest documents (dicts or raw lines) through the file door; returns the summary."""
    import io

    def ingest(*documents, batch_size: int = 2000):
        lines = [doc if isinstance(doc, (str, bytes)) else json.dumps(doc) for doc in documents]
        data = b"\n".join(line.encode() if isinstance(line, str) else line for line in lines) + b"\n"
        return ingest_stream(io.BytesIO(data), batch_size=batch_size)

    return ingest


@pytest.fixture
def ingest_sample(seeded):
    def ingest(**options):
        return ingest_path(SHARED_DATA / "sample_tweets.jsonl", **options)

    return ingest
