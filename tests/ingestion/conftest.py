from pathlib import Path

import pytest

# Recorded and sample data carried by the repository (tests/fixtures/, with READMEs naming sources).
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLE_STREAM = FIXTURES / "sample_stream"


@pytest.fixture
def sample_stream_dir() -> Path:
    return SAMPLE_STREAM


@pytest.fixture
def ingest_sample(seeded):
    from ingestion.files import ingest_path

    def ingest(**options):
        return ingest_path(SAMPLE_STREAM / "sample_tweets.jsonl", **options)

    return ingest
