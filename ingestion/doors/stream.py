"""The filtered-stream door: the tracked terms packed into rules, one long-lived connection, reconnects as X asks.

Two threads, as X advises ("read fast and hand lines to a FIFO queue", X_API.md 4.3): a reader holds the
connection, reconnects on X's schedule (`StreamBackoff`) and hands raw lines to a queue; the calling
thread parses them and stores them in small batches. So a slow database never makes X drop a slow
reader, and a tweet waits at most `flush_interval` before it is in the inbox. Only the calling thread
touches the database.

The rules are set before the first connection and changed while it stays open: every
X_STREAM_RULES_RECHECK_SECONDS the calling thread reads a fingerprint of the tracked terms (one query)
and, when an admin changed a handle or a hashtag, applies the difference over the rules endpoint.
Rules X refuses are logged, counted and stored (`StreamRuleRefusal`).
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from ingestion.doors.stream_rules import stream_rules_apply
from ingestion.doors.x_queries import tracked_terms, tracked_terms_fingerprint
from ingestion.inbox import inbox_store
from ingestion.models import Door
from ingestion.normalized import DeadLetterDraft, NormalizedTweet
from ingestion.parsing import parse_document
from ingestion.services import stream_rule_refusals_record
from ingestion.x_client import (
    ReconnectKind,
    RulesSync,
    StreamBackoff,
    UsageCapped,
    XApiError,
    XClient,
    reconnect_kind_for,
)

logger = logging.getLogger(__name__)

READ_TIMEOUT = 21.0  # X sends a keep-alive at least every 20 s, "marginally" later at times (X_API.md 4.3)
FLUSH_SIZE = 200
FLUSH_INTERVAL = 0.5
# How long to wait for the reader after a stop: it notices at its next line, keep-alives included.
READER_JOIN_TIMEOUT = 2.0


@dataclass(slots=True)
class StreamSummary:
    connections: int = 0  # connections that delivered at least a keep-alive
    reconnects: int = 0
    keep_alives: int = 0
    lines: int = 0  # lines with content: tweets, error-only lines, anything else
    received: int = 0  # tweets read, repeats included
    new: int = 0  # tweets the inbox did not have
    duplicates: int = 0
    dead_letters: int = 0
    api_errors: int = 0  # errors X reported inside lines (operational disconnects, partial errors)
    rule_syncs: int = 0  # times the rules were set: at the start, then after each configuration change
    rules_added: int = 0
    rules_deleted: int = 0
    rules_refused: int = 0  # rules X would not create (stored as StreamRuleRefusal)
    stop_reason: str = ""
    fatal: bool = False  # stopped by something only an operator can fix (a usage cap, no rules)


@dataclass(frozen=True, slots=True)
class _Ended:
    """The reader's last word: why it stopped."""

    reason: str
    fatal: bool = False


def stream_consume(
    *,
    client: XClient | None = None,
    max_seconds: float | None = None,
    max_reconnects: int | None = None,
    sleep: Callable[[float], object] | None = None,
    stop: threading.Event | None = None,
    read_timeout: float = READ_TIMEOUT,
    flush_size: int = FLUSH_SIZE,
    flush_interval: float = FLUSH_INTERVAL,
    rules_recheck: float | None = None,
) -> StreamSummary:
    """Synchronise the stream rules, then read the stream into the inbox until stopped.

    It stops when `stop` is set, after `max_seconds`, when a connection ends with `max_reconnects`
    reconnects made, or on a usage cap. `sleep` waits between reconnects (by default it wakes on `stop`).
    `rules_recheck` is how often to look for a changed configuration (X_STREAM_RULES_RECHECK_SECONDS).
    """
    fingerprint = tracked_terms_fingerprint()
    terms = tracked_terms()
    if not terms:
        return StreamSummary(stop_reason="no department has a handle or hashtag to track (run seed_demo)", fatal=True)
    stop = stop or threading.Event()
    owned_client = client is None
    client = client or XClient()
    summary = StreamSummary()
    batch = _Batch(summary, size=flush_size, interval=flush_interval)
    lines: queue.Queue[bytes | RulesSync | _Ended] = queue.Queue()
    watch = _RulesWatch(
        client,
        summary,
        fingerprint=fingerprint,
        interval=settings.X_STREAM_RULES_RECHECK_SECONDS if rules_recheck is None else rules_recheck,
    )
    reader = _StreamReader(
        client=client,
        terms=terms,
        lines=lines,
        stop=stop,
        sleep=sleep or stop.wait,
        read_timeout=read_timeout,
        max_reconnects=max_reconnects,
    )
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    reader.start()
    try:
        ended = _consume(lines, batch, watch, stop=stop, deadline=deadline)
    finally:
        stop.set()
        reader.join(timeout=READER_JOIN_TIMEOUT)
    # What the reader handed over before it stopped is stored too; a fatal reason outranks a stop.
    while True:
        try:
            item = lines.get_nowait()
        except queue.Empty:
            break
        if isinstance(item, bytes):
            batch.add(item, time.monotonic())
            batch.flush_if_due(time.monotonic())
        elif isinstance(item, RulesSync):
            watch.record(item)
        elif item.fatal:
            ended = item
    batch.flush(time.monotonic())
    if owned_client and not reader.is_alive():
        client.close()
    summary.connections, summary.reconnects = reader.connections, reader.reconnects
    summary.stop_reason, summary.fatal = ended.reason, ended.fatal
    return summary


def _consume(
    lines: "queue.Queue[bytes | RulesSync | _Ended]",
    batch: "_Batch",
    watch: "_RulesWatch",
    *,
    stop: threading.Event,
    deadline: float | None,
) -> _Ended:
    while not stop.is_set():
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            return _Ended("the time limit was reached")
        watch.check_if_due(now)
        wait = min(batch.seconds_until_due(now), watch.seconds_until_due(now))
        if deadline is not None:
            wait = min(wait, deadline - now)
        try:
            item = lines.get(timeout=max(wait, 0.0))
        except queue.Empty:
            item = None
        if isinstance(item, _Ended):
            return item
        if isinstance(item, RulesSync):
            watch.record(item)
            item = None
        now = time.monotonic()
        if item is not None:
            batch.add(item, now)
        batch.flush_if_due(now)
    return _Ended("stopped")


class _RulesWatch:
    """On the calling thread: notices a changed configuration and changes X's rules to match, without
    touching the connection; records what each rules change did, the reader's first one included."""

    def __init__(self, client: XClient, summary: StreamSummary, *, fingerprint: str, interval: float) -> None:
        self.client, self.summary = client, summary
        self.fingerprint, self.interval = fingerprint, interval
        self.ready = False  # the reader has set the first rules; until then it owns them
        self.next_check = time.monotonic() + interval

    def seconds_until_due(self, now: float) -> float:
        return max(self.next_check - now, 0.0) if self.ready else self.interval

    def check_if_due(self, now: float) -> None:
        if not self.ready or now < self.next_check:
            return
        self.next_check = now + self.interval
        try:
            fingerprint = tracked_terms_fingerprint()
            if fingerprint == self.fingerprint:
                return
            terms = tracked_terms()
        except (OperationalError, InterfaceError):
            logger.exception("could not read the tracked terms; trying again in %.0f s", self.interval)
            connection.close()
            return
        try:
            sync = stream_rules_apply(self.client, terms)
        except XApiError as error:
            logger.warning("could not change the stream rules (trying again in %.0f s): %s", self.interval, error)
            return
        self.fingerprint = fingerprint  # only once X has the rules, so a failed change is tried again
        logger.info("the tracked handles or hashtags changed; stream rules changed while connected")
        self.record(sync)

    def record(self, sync: RulesSync) -> None:
        self.ready = True
        self.summary.rule_syncs += 1
        self.summary.rules_added += len(sync.added)
        self.summary.rules_deleted += len(sync.deleted)
        logger.info(
            "stream rules: %d added, %d deleted, %d unchanged", len(sync.added), len(sync.deleted), len(sync.unchanged)
        )
        if sync.errors:
            self.summary.rules_refused += stream_rule_refusals_record(errors=sync.errors, refused_at=timezone.now())


class _Batch:
    """Lines read but not yet stored: stored once `size` tweets wait or the oldest has waited `interval`."""

    def __init__(self, summary: StreamSummary, *, size: int, interval: float) -> None:
        self.summary = summary
        self.size, self.interval = size, interval
        self.tweets: list[NormalizedTweet] = []
        self.dead_letters: list[DeadLetterDraft] = []
        self.oldest: float | None = None  # when the oldest waiting line was read (monotonic)

    def add(self, line: bytes, now: float) -> None:
        if not line.strip():
            self.summary.keep_alives += 1
            return
        self.summary.lines += 1
        parsed = parse_document(line)
        for error in parsed.api_errors:
            self.summary.api_errors += 1
            # An error-only line is X telling us something (typically why it is about to disconnect).
            log = logger.info if parsed.tweets else logger.warning
            log("the stream sent an error: %s", _describe(error))
        if parsed.tweets or parsed.dead_letters:
            self.summary.received += len(parsed.tweets)
            self.tweets += parsed.tweets
            self.dead_letters += parsed.dead_letters
            if self.oldest is None:
                self.oldest = now

    def seconds_until_due(self, now: float) -> float:
        return self.interval if self.oldest is None else self.oldest + self.interval - now

    def flush_if_due(self, now: float) -> None:
        if self.oldest is not None and (len(self.tweets) >= self.size or now - self.oldest >= self.interval):
            self.flush(now)

    def flush(self, now: float) -> None:
        if not (self.tweets or self.dead_letters):
            return
        try:
            stored = inbox_store(tweets=self.tweets, dead_letters=self.dead_letters, door=Door.STREAM)
        except (OperationalError, InterfaceError):
            # The database is away: keep the lines (X will not send them again) and try after another interval.
            logger.exception("could not store %d stream tweets; keeping them to try again", len(self.tweets))
            connection.close()
            self.oldest = now
            return
        self.summary.new += len(stored.new)
        self.summary.duplicates += stored.duplicates
        self.summary.dead_letters += stored.dead_letters
        self.tweets, self.dead_letters, self.oldest = [], [], None


def _usage_capped(error: UsageCapped) -> _Ended:
    # Only an operator can lift a spend cap; reconnecting would only be refused again.
    logger.error("X usage cap reached; the stream stops and does not reconnect: %s", error)
    return _Ended(f"X usage cap reached: {error}", fatal=True)


def _describe(error: dict) -> str:
    parts = (error.get(key) for key in ("title", "disconnect_type", "connection_issue", "detail"))
    return ": ".join(str(part) for part in parts if part) or str(error)


class _StreamReader(threading.Thread):
    """Holds the stream connection and reconnects it exactly as X_API.md 4.3 says; never touches the database."""

    def __init__(
        self,
        *,
        client: XClient,
        terms: list[str],
        lines: "queue.Queue[bytes | RulesSync | _Ended]",
        stop: threading.Event,
        sleep: Callable[[float], object],
        read_timeout: float,
        max_reconnects: int | None,
    ) -> None:
        super().__init__(name="x-stream-reader", daemon=True)
        self.client, self.terms, self.lines, self.stop = client, terms, lines, stop
        self.sleep, self.read_timeout, self.max_reconnects = sleep, read_timeout, max_reconnects
        self.connections = 0
        self.reconnects = 0

    def run(self) -> None:
        try:
            ended = self._read_until_stopped()
        except Exception as error:
            logger.exception("the stream reader failed")
            ended = _Ended(f"the stream reader failed: {error}", fatal=True)
        self.lines.put(ended)

    def _read_until_stopped(self) -> _Ended:
        backoff = StreamBackoff()
        rules_synced = False
        while not self.stop.is_set():
            try:
                if not rules_synced:
                    self._sync_rules()
                    rules_synced = True
                self._read_connection(backoff)
                failure, kind = "the stream ended", ReconnectKind.NETWORK
            except UsageCapped as error:
                return _usage_capped(error)
            except XApiError as error:
                failure, kind = str(error), reconnect_kind_for(error)
            if self.stop.is_set():
                break
            if self.max_reconnects is not None and self.reconnects >= self.max_reconnects:
                return _Ended(f"{failure}; no reconnect left ({self.max_reconnects} allowed)")
            delay = backoff.next_delay(kind)
            self.reconnects += 1
            cap = StreamBackoff.NETWORK_MAX if kind is ReconnectKind.NETWORK else StreamBackoff.HTTP_MAX
            # X: alert when the longest wait is reached; something is wrong beyond a blip.
            log = logger.error if delay >= cap else logger.warning
            log("%s; reconnect %d in %.2f s (%s backoff)", failure, self.reconnects, delay, kind)
            self.sleep(delay)
        return _Ended("stopped")

    def _sync_rules(self) -> None:
        # The calling thread records the outcome (it alone touches the database).
        self.lines.put(stream_rules_apply(self.client, self.terms))

    def _read_connection(self, backoff: StreamBackoff) -> None:
        with closing(self.client.stream_lines(read_timeout=self.read_timeout)) as lines:
            for number, line in enumerate(lines):
                if number == 0:
                    self.connections += 1
                    backoff.reset()  # the connection is up: every schedule starts over
                self.lines.put(line)
                if self.stop.is_set():
                    return
