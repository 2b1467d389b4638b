"""The inbox: every door stores what it received here first, then the pipeline processes it.

Storing is one INSERT ... ON CONFLICT DO NOTHING (so the same tweet from any door, in any order,
is stored once) plus a COPY of dead letters, committed before any processing. Processing takes a
batch of pending rows under the pipeline lock, in one transaction: a crash leaves the rows pending
for the next run, never half a ticket.
"""

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from django.db import connection, transaction

from ingestion.enqueue import inbox_kick, inbox_kick_again
from ingestion.models import Door, InboxState, Outcome
from ingestion.normalized import DeadLetterDraft, NormalizedTweet, ParseError
from ingestion.parsing import parse_envelope
from ingestion.pipeline import PIPELINE_LOCK_SQL, BatchResult, tweets_process
from ingestion.routing import RoutingConfig, dead_letter_departments
from seva.pg_arrays import bigint_array
from tickets.triage.rules import TriageAhead

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 2000
STALE_PENDING_SECONDS = 30  # a row's own kick is processed well within this


@dataclass(slots=True)
class StoreResult:
    new: list[NormalizedTweet] = field(default_factory=list)
    duplicates: int = 0
    dead_letters: int = 0


def dead_letters_store(drafts: Sequence[DeadLetterDraft], *, door: str) -> int:
    """Keep each unreadable payload with its reason, once; returns how many were new.

    Each is filed under the department it belongs to (the draft's, else what its hashtags and
    mentions route to), so only that department's supervisors read it; None leaves it to the ministry.
    """
    if not drafts:
        return 0
    unique = {}
    for draft in drafts:
        raw = draft.raw.replace("\x00", "")
        unique.setdefault(hashlib.sha256(raw.encode()).hexdigest(), (raw, draft))
    letters = list(unique.values())
    unrouted = [raw for raw, draft in letters if draft.department_id is None]
    routed = iter(dead_letter_departments(unrouted))
    departments = [draft.department_id if draft.department_id is not None else next(routed) for _, draft in letters]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ingestion_deadletter
                   (door, raw, fingerprint, reason, tweet_id, department_id, received_at, replay_result)
            SELECT %s, raw, fingerprint, reason, tweet_id, department_id, now(), ''
              FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::bigint[])
                   AS v(raw, fingerprint, reason, tweet_id, department_id)
            ON CONFLICT (fingerprint) DO NOTHING
            """,
            [
                door,
                [raw for raw, _ in letters],
                list(unique),
                [draft.reason for _, draft in letters],
                [draft.tweet_id[:40] for _, draft in letters],
                departments,
            ],
        )
        return cursor.rowcount


@transaction.atomic
def inbox_store(
    *, tweets: Sequence[NormalizedTweet], dead_letters: Sequence[DeadLetterDraft], door: str
) -> StoreResult:
    """Keep what arrived, raw, before anything else. Returns the tweets that were new."""
    result = StoreResult(dead_letters=dead_letters_store(dead_letters, door=door))
    unique = {t.id: t for t in tweets}
    result.duplicates = len(tweets) - len(unique)
    if unique:
        ids = list(unique)
        with connection.cursor() as cursor:
            if door == Door.FILE:
                # The file is the durable copy: a crash before this commit is flushed loses nothing
                # that ingesting the file again would not restore. Network doors wait for the disk.
                cursor.execute("SELECT set_config('synchronous_commit', 'off', true)")
            # The envelopes travel as one JSON array: psycopg escapes a text[] parameter element by
            # element in Python, which cost more than the whole rest of the insert.
            cursor.execute(
                """
                INSERT INTO ingestion_inboxtweet (tweet_id, door, envelope, received_at, state, outcome)
                SELECT ids.id, %s, envelopes.value, now(), %s, ''
                  FROM unnest(%s::bigint[]) WITH ORDINALITY AS ids(id, position)
                  JOIN jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS envelopes(value, position)
                    USING (position)
                ON CONFLICT (tweet_id) DO NOTHING
                RETURNING tweet_id
                """,
                [
                    door,
                    InboxState.PENDING,
                    bigint_array(ids),
                    orjson.dumps([unique[i].envelope for i in ids]).decode(),
                ],
            )
            inserted = {row[0] for row in cursor.fetchall()}
        result.new = [unique[i] for i in ids if i in inserted]
        result.duplicates += len(unique) - len(inserted)
    if result.new and door != Door.FILE:
        # A file's own process processes each batch it stores (a run that dies leaves its rows to
        # inbox_stale_requeue): a worker kicked now would race it for them.
        transaction.on_commit(inbox_kick)
    return result


def _mark_done(cursor, result: BatchResult, dead_ids: Sequence[int] = ()) -> None:
    ids = [*result.outcomes, *dead_ids]
    if not ids:
        return
    cursor.execute(
        """
        UPDATE ingestion_inboxtweet i
           SET state = %s, processed_at = now(), outcome = v.outcome, ticket_id = v.ticket_id
          FROM unnest(%s::bigint[], %s::text[], %s::bigint[]) AS v(id, outcome, ticket_id)
         WHERE i.tweet_id = v.id
        """,
        [
            InboxState.DONE,
            bigint_array(ids),
            [o for o, _ in result.outcomes.values()] + [Outcome.DEAD] * len(dead_ids),
            bigint_array([t for _, t in result.outcomes.values()] + [None] * len(dead_ids)),
        ],
    )


def inbox_process_tweets(
    tweets: Sequence[NormalizedTweet], *, config: RoutingConfig | None = None, triage_ahead: TriageAhead | None = None
) -> BatchResult:
    """Process tweets the caller has just stored (and so already holds parsed), if still pending;
    `triage_ahead`: their triage worked out ahead (file ingestion's parsing process)."""
    if not tweets:
        return BatchResult()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PIPELINE_LOCK_SQL)
        cursor.execute(
            "SELECT tweet_id, door FROM ingestion_inboxtweet WHERE tweet_id = ANY(%s::bigint[]) AND state = %s "
            "FOR UPDATE SKIP LOCKED",
            [bigint_array(t.id for t in tweets), InboxState.PENDING],
        )
        pending = dict(cursor.fetchall())
        result = tweets_process([t for t in tweets if t.id in pending], config=config, triage_ahead=triage_ahead)
        _store_refused(result, pending)
        _mark_done(cursor, result)
    return result


def _store_refused(result: BatchResult, doors: dict[int, str]) -> None:
    """The tweets the pipeline refused (forged edits) become dead letters of the door they came by."""
    by_door: dict[str, list[DeadLetterDraft]] = {}
    for draft in result.dead_letters:
        by_door.setdefault(doors.get(int(draft.tweet_id), Door.REPLAY), []).append(draft)
    for door, drafts in by_door.items():
        dead_letters_store(drafts, door=door)


def inbox_process_pending(*, limit: int = DEFAULT_BATCH_SIZE) -> BatchResult:
    """Process up to `limit` pending inbox rows, oldest tweet first. Safe to run concurrently and twice."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PIPELINE_LOCK_SQL)
        cursor.execute(
            "SELECT tweet_id, envelope, door FROM ingestion_inboxtweet WHERE state = %s "
            "ORDER BY tweet_id LIMIT %s FOR UPDATE SKIP LOCKED",
            [InboxState.PENDING, limit],
        )
        rows = cursor.fetchall()
        tweets, dead, dead_ids = [], [], []
        for tweet_id, envelope, door in rows:
            try:
                tweets.append(parse_envelope(envelope if isinstance(envelope, dict) else orjson.loads(envelope)))
            except ParseError as exc:
                dead.append((door, DeadLetterDraft(orjson.dumps(envelope).decode(), str(exc), str(tweet_id))))
                dead_ids.append(tweet_id)
        for door in {d for d, _ in dead}:
            dead_letters_store([draft for d, draft in dead if d == door], door=door)
        result = tweets_process(tweets)
        _store_refused(result, {tweet_id: door for tweet_id, _, door in rows})
        _mark_done(cursor, result, dead_ids)
    return result


def inbox_stale_requeue() -> bool:
    """Ask for processing again when rows have waited over STALE_PENDING_SECONDS (a worker died
    mid-batch, a kick was lost with its worker). Returns whether it asked."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM ingestion_inboxtweet WHERE state = 'pending' "
            "AND received_at < now() - make_interval(secs => %s))",
            [STALE_PENDING_SECONDS],
        )
        stale = cursor.fetchone()[0]
    if stale:
        logger.warning("inbox has rows pending for over %s s; re-queuing processing", STALE_PENDING_SECONDS)
        inbox_kick_again()
    return stale
