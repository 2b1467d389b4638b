"""Ingesting a JSON Lines file through the same inbox and batch pipeline as every other door."""

import gc
import multiprocessing
import os
import queue
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.db import connection, reset_queries

from ingestion.inbox import StoreResult, inbox_process_tweets, inbox_store
from ingestion.models import Door, Outcome
from ingestion.normalized import DeadLetterDraft, Mention, NormalizedTweet, PayloadFormat
from ingestion.parsing import parse_document
from ingestion.pipeline import collector_paused
from ingestion.routing import RoutingConfig, routing_config_current
from tickets.models import scope_department_id
from tickets.triage.rules import TriageAhead, triage_classify_ahead

# A file's batches are larger than the doors' (DEFAULT_BATCH_SIZE): a backfill has no one waiting
# on a single tweet, and each batch's fixed costs (its statements, commits, the surge detection's
# re-reading of the recent tickets) are shared by more tweets. Memory stays well within bounds:
# a batch being written and two parsed ahead (in the parsing process).
FILE_BATCH_SIZE = 5000


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
    stored: StoreResult | None = None  # already stored in the inbox (by the parsing process)
    routes: dict = field(default_factory=dict)  # RoutingConfig.route_fields_ahead's, from the parsing process
    triage: TriageAhead | None = None  # each routed tweet's triage, from the parsing process


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


# What crosses from the parsing process: plain tuples, which pickle in C. A tweet's envelope (its
# raw document) stays behind, stored in the inbox, except for tweets naming earlier versions: the
# pipeline keeps a refused edit's envelope as its dead letter.
def _tweet_fields(tweet: NormalizedTweet) -> tuple:
    return (
        tweet.id, tweet.text, tweet.author_id, tweet.author_handle, tweet.created_at, tweet.conversation_id,
        tweet.in_reply_to_tweet_id, tweet.in_reply_to_user_id, tweet.quoted_tweet_id, tweet.is_retweet,
        tweet.hashtags, tuple((m.username, m.user_id) for m in tweet.mentions), tweet.lang, tweet.media,
        tweet.edit_history_ids, tweet.format.value, tweet.envelope if len(tweet.edit_history_ids) > 1 else {},
    )  # fmt: skip


def _tweet_from(fields: tuple) -> NormalizedTweet:
    *head, mentions, lang, media, edits, payload_format, envelope = fields
    return NormalizedTweet(
        *head, tuple(Mention(*m) for m in mentions), lang, media, edits, PayloadFormat(payload_format), envelope
    )


def _triage_ahead(tweets: list[NormalizedTweet], routes: dict[int, tuple], config: RoutingConfig) -> TriageAhead:
    """Triage, worked out ahead for the routed tweets likely to open a ticket: not our own accounts'
    (never a ticket), nor replies (mostly follow-ups; the processing classifies those that do open
    one). The processing takes each new ticket's from here while the rules stand."""
    return triage_classify_ahead(
        requests=[
            (t.id, scope_department_id(department_id=route[0], unit_id=route[1]), t.text)
            for t in tweets
            if (route := routes.get(t.id)) is not None
            and t.in_reply_to_tweet_id is None
            and config.official_account_of(t) is None
        ]
    )


def _parse_and_store(
    stream: BinaryIO, *, batch_size: int, door: str, config: RoutingConfig, handoff, parent_pid: int
) -> None:
    """The parsing process (forked): parse, store in the inbox on its own connection, route ahead,
    and hand each batch over as tuples; the parent processes the batch before meanwhile."""

    def hand_over(item) -> None:
        while True:
            try:
                return handoff.put(item, timeout=1)
            except queue.Full:
                if os.getppid() != parent_pid:  # the parent died: nobody will take it
                    raise SystemExit(1) from None

    try:
        gc.disable()  # as tweets_process does for each batch (collector_paused); run between batches
        for batch in _parse_batches(stream, batch_size):
            stored = inbox_store(tweets=batch.tweets, dead_letters=batch.dead_letters, door=door)
            routes = config.route_fields_ahead(batch.tweets)
            triage = _triage_ahead(batch.tweets, routes, config)
            tweets = [_tweet_fields(t) for t in batch.tweets]
            parsed = (tweets, batch.lines, batch.skipped, batch.bytes_read, stored.dead_letters, routes, triage)
            hand_over(("batch", parsed))
            gc.collect(1)
        hand_over(("done", None))
    except SystemExit:
        handoff.cancel_join_thread()
        raise
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        hand_over(("failed", traceback.format_exc()))
    finally:
        connection.close()
        handoff.close()
        handoff.join_thread()


def _parsed_in_process(
    stream: BinaryIO, batch_size: int, door: str, config: RoutingConfig, depth: int = 2
) -> Iterator[_ParsedBatch]:
    """Batches parsed and stored by a forked process while this one processes the batch before:
    parsing is Python, and in a thread it would take turns with the processing for the GIL."""
    context = multiprocessing.get_context("fork")
    handoff = context.Queue(maxsize=depth)
    # The child must not share this process's connection (a fork copies its socket): each opens its own.
    connection.close()
    child = context.Process(
        target=_parse_and_store,
        args=(stream,),
        kwargs={
            "batch_size": batch_size,
            "door": door,
            "config": config,
            "handoff": handoff,
            "parent_pid": os.getpid(),
        },
        daemon=True,
    )
    child.start()
    try:
        while True:
            try:
                with collector_paused():  # its unpickling makes thousands of objects: see collector_paused
                    kind, payload = handoff.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(f"the parsing process died (exit code {child.exitcode})") from None
                continue
            if kind == "done":
                return
            if kind == "failed":
                raise RuntimeError(f"the parsing process failed:\n{payload}")
            tweets, lines, skipped, bytes_read, dead_letters, routes, triage = payload
            with collector_paused():
                tweets = [_tweet_from(t) for t in tweets]
            yield _ParsedBatch(
                tweets=tweets,
                lines=lines,
                skipped=skipped,
                bytes_read=bytes_read,
                stored=StoreResult(dead_letters=dead_letters),
                routes=routes,
                triage=triage,
            )
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=10)
        handoff.close()


def ingest_stream(
    stream: BinaryIO,
    *,
    door: str = Door.FILE,
    batch_size: int = FILE_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Read JSON Lines, store each batch in the inbox, process it, and count what became of it."""
    summary = IngestSummary()
    config = routing_config_current()
    # A forked process parses, stores (on its own connection) and routes the next batches while this
    # one processes, except: inside the caller's transaction, where every batch must commit or roll
    # back with it; with other threads, whose connections and locks a fork would copy mid-use (a
    # test's live server, a browser driver); in a daemonic process (a Celery worker's), which may
    # not fork. There the file is read here, inline.
    in_process = (
        not connection.in_atomic_block
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )
    batches = (
        _parsed_in_process(stream, batch_size, door, config) if in_process else _parse_batches(stream, batch_size)
    )
    for batch in batches:
        _ingest_batch(batch, summary=summary, config=config, door=door)
        if on_progress:
            on_progress(batch.bytes_read)
    return summary


def _ingest_batch(batch: _ParsedBatch, *, summary: IngestSummary, config: RoutingConfig, door: str) -> None:
    summary.lines += batch.lines
    summary.received += len(batch.tweets)
    summary.skipped_lines += batch.skipped
    stored = batch.stored or inbox_store(tweets=batch.tweets, dead_letters=batch.dead_letters, door=door)
    summary.dead_letters += stored.dead_letters
    config.route_fields_take(batch.routes)
    # Also the file's tweets that an interrupted earlier run stored but never processed.
    unique = list({t.id: t for t in batch.tweets}.values())
    result = inbox_process_tweets(unique, config=config, triage_ahead=batch.triage)
    summary.outcomes.update(result.counts())
    # Repeated within the file, already processed before, or already on a ticket.
    summary.duplicates += len(batch.tweets) - len(result.outcomes) + result.counts()[Outcome.DUPLICATE]
    reset_queries()  # under DEBUG, Django would otherwise keep every batch's statements


def ingest_path(path: Path, **options) -> IngestSummary:
    with path.open("rb") as stream:
        return ingest_stream(stream, **options)
