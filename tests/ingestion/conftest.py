from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    return SHARED_DATA


@pytest.fixture
def ingest_sample(seeded):
    from ingestion.files import ingest_path

    def ingest(**options):
        return ingest_path(SHARED_DATA / "sample_tweets.jsonl", **options)

    return ingest
