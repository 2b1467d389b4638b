"""Ingesting a JSON Lines file through the same inbox and batch pipeline as every other door."""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ingestion.inbox import DEFAULT_BATCH_SIZE, inbox_process_tweets, inbox_store
from ingestion.models import Door, Outcome
from ingestion.normalized import DeadLetterDraft, NormalizedTweet
from ingestion.parsing import parse_document
from ingestion.routing import RoutingConfig


@dataclass(slots=True)
class IngestSummary:
    lines: int = 0
    received: int = 0  # tweets read, duplicates included
    duplicates: int = 0  # already in the inbox (any door) or repeated in the file
    dead_letters: int = 0
    skipped_lines: int = 0  # keep-alives, error-only lines, empty pages
    outcomes: Counter = field(default_factory=Counter)

    @property
    def tickets_created(self) -> int:
        return self.outcomes[Outcome.CREATED]

    @property
    def threaded(self) -> int:
        return sum(self.outcomes[o] for o in (Outcome.THREADED, Outcome.REOPENED, Outcome.EDITED))

    @property
    def official_replies(self) -> int:
        return self.outcomes[Outcome.OFFICIAL_REPLY]

    @property
    def ignored(self) -> int:
        return self.outcomes[Outcome.IGNORED]


def _line_batches(stream: BinaryIO, lines_per_batch: int) -> Iterator[tuple[list[bytes], int]]:
    batch, size = [], 0
    for line in stream:
        batch.append(line)
        size += len(line)
        if len(batch) >= lines_per_batch:
            yield batch, size
            batch, size = [], 0
    if batch:
        yield batch, size


def ingest_stream(
    stream: BinaryIO,
    *,
    door: str = Door.FILE,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Read JSON Lines, store each batch in the inbox, process it, and count what became of it."""
    summary = IngestSummary()
    config = RoutingConfig()
    tweets: list[NormalizedTweet] = []
    dead: list[DeadLetterDraft] = []
    bytes_read = 0

    def flush() -> None:
        stored = inbox_store(tweets=tweets, dead_letters=dead, door=door)
        summary.duplicates += stored.duplicates
        summary.dead_letters += stored.dead_letters
        result = inbox_process_tweets(stored.new, config=config)
        summary.outcomes.update(result.counts())
        summary.duplicates += result.counts()[Outcome.DUPLICATE]
        tweets.clear()
        dead.clear()

    # Lines are small; batching by tweet count keeps memory flat whatever the file's size.
    for lines, size in _line_batches(stream, lines_per_batch=max(1, batch_size // 4)):
        summary.lines += len(lines)
        for line in lines:
            parsed = parse_document(line)
            tweets.extend(parsed.tweets)
            dead.extend(parsed.dead_letters)
            summary.received += len(parsed.tweets)
            summary.skipped_lines += parsed.skipped
        if len(tweets) >= batch_size:
            flush()
        bytes_read += size
        if on_progress:
            on_progress(bytes_read)
    flush()
    return summary


def ingest_path(path: Path, **options) -> IngestSummary:
    with path.open("rb") as stream:
        return ingest_stream(stream, **options)
