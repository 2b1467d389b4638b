"""Ingesting a JSON Lines file through the same inbox and batch pipeline as every other door."""

import queue
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.db import connection, reset_queries

from ingestion.inbox import StoreResult, inbox_process_tweets, inbox_store
from ingestion.models import Door, Outcome
from ingestion.normalized import DeadLetterDraft, NormalizedTweet
from ingestion.parsing import parse_document
from ingestion.pipeline import tweets_prepare_ahead
from ingestion.routing import RoutingConfig

# A file's batches are larger than the doors' (DEFAULT_BATCH_SIZE): a backfill has no one waiting
# on a single tweet, and each batch's fixed costs (its statements, commits, the surge detection's
# re-reading of the recent tickets) are shared by more tweets. Memory stays well within bounds:
# a batch being written and two parsed ahead.
FILE_BATCH_SIZE = 5000
THREAD_SWITCH_SECONDS = 0.0005


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


@dataclass(slots=True)
class _ParsedBatch:
    tweets: list[NormalizedTweet] = field(default_factory=list)
    dead_letters: list[DeadLetterDraft] = field(default_factory=list)
    lines: int = 0
    skipped: int = 0
    bytes_read: int = 0
    stored: StoreResult | None = None  # stored by the parsing thread (ingest_stream's store_ahead)


def _parse_batches(stream: BinaryIO, batch_size: int) -> Iterator[_ParsedBatch]:
    """Batches of at least `batch_size` tweets (the last may be smaller): memory stays flat."""
    batch, bytes_read = _ParsedBatch(), 0
    for line in stream:
        bytes_read += len(line)
        parsed = parse_document(line)
        batch.tweets.extend(parsed.tweets)
        batch.dead_letters.extend(parsed.dead_letters)
        batch.lines += 1
        batch.skipped += parsed.skipped
        if len(batch.tweets) >= batch_size:
            batch.bytes_read = bytes_read
            yield batch
            batch = _ParsedBatch()
    batch.bytes_read = bytes_read
    yield batch


def _parsed_ahead(
    batches: Iterator[_ParsedBatch], prepare: Callable[[_ParsedBatch], None], depth: int = 2
) -> Iterator[_ParsedBatch]:
    """Parse and `prepare` the next batches in a thread while this one is in PostgreSQL.

    psycopg releases the GIL while it waits on the server, so the thread's work and the writing
    overlap on the two cores instead of taking turns.
    """
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    done = object()

    def produce() -> None:
        try:
            for batch in batches:
                prepare(batch)
                handoff.put(batch)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            handoff.put(exc)
        finally:
            connection.close()  # the thread's own, if it stored batches
        handoff.put(done)

    threading.Thread(target=produce, name="ingest-parser", daemon=True).start()
    while (item := handoff.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item


def ingest_stream(
    stream: BinaryIO,
    *,
    door: str = Door.FILE,
    batch_size: int = FILE_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Read JSON Lines, store each batch in the inbox, process it, and count what became of it."""
    summary = IngestSummary()
    config = RoutingConfig()
    # Outside a transaction, the parsing thread also stores each batch, on its own connection, while
    # the batch before is processed: the inbox's INSERT runs beside the processing. Inside one (the
    # caller's), every batch is stored here, in it, so that it commits or rolls back with the rest.
    store_ahead = not connection.in_atomic_block

    def prepare(batch: _ParsedBatch) -> None:
        tweets_prepare_ahead(batch.tweets, config=config)
        if store_ahead:
            batch.stored = inbox_store(tweets=batch.tweets, dead_letters=batch.dead_letters, door=door)

    switch_interval = sys.getswitchinterval()
    # The main thread takes the GIL back as soon as PostgreSQL answers, not after the thread's 5 ms.
    sys.setswitchinterval(THREAD_SWITCH_SECONDS)
    try:
        for batch in _parsed_ahead(_parse_batches(stream, batch_size), prepare):
            summary.lines += batch.lines
            summary.received += len(batch.tweets)
            summary.skipped_lines += batch.skipped
            stored = batch.stored or inbox_store(tweets=batch.tweets, dead_letters=batch.dead_letters, door=door)
            summary.dead_letters += stored.dead_letters
            # Also the file's tweets that an interrupted earlier run stored but never processed.
            unique = list({t.id: t for t in batch.tweets}.values())
            result = inbox_process_tweets(unique, config=config)
            summary.outcomes.update(result.counts())
            # Repeated within the file, already processed before, or already on a ticket.
            summary.duplicates += len(batch.tweets) - len(result.outcomes) + result.counts()[Outcome.DUPLICATE]
            reset_queries()  # under DEBUG, Django would otherwise keep every batch's statements
            if on_progress:
                on_progress(batch.bytes_read)
    finally:
        sys.setswitchinterval(switch_interval)
    return summary


def ingest_path(path: Path, **options) -> IngestSummary:
    with path.open("rb") as stream:
        return ingest_stream(stream, **options)
