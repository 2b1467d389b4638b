"""Appending to the hash-chained audit trail, and verifying it.

Each event stores the hash of the one before it. Every append goes through audit_events_append,
which takes the chain head's row lock (_lock_chain_head, the only place it is taken), so events
get one total order even when many transactions append at once; the lock is held only until the
appending transaction commits. The events themselves are built by tickets.events, one builder per
kind.
"""

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from django.db import connection, transaction
from django.utils import timezone

from seva.pg_copy import copy_in

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class EventDraft:
    kind: str
    ticket_id: int | None = None
    actor_id: int | None = None
    data: dict = field(default_factory=dict)
    created_at: datetime | None = None


def event_hash(
    *, prev_hash: str, kind: str, ticket_id: int | None, actor_id: int | None, created_at: datetime, data: dict
) -> str:
    canonical = b"|".join(
        (
            prev_hash.encode(),
            kind.encode(),
            str(ticket_id or "").encode(),
            str(actor_id or "").encode(),
            created_at.astimezone(UTC).isoformat(timespec="microseconds").encode(),
            orjson.dumps(data, option=orjson.OPT_SORT_KEYS),
        )
    )
    return hashlib.sha256(canonical).hexdigest()


def _lock_chain_head(cursor) -> str:
    # Creates the head if a test flushed it; DO UPDATE (not NOTHING) so the row is locked and returned.
    cursor.execute(
        "INSERT INTO tickets_auditchainhead (id, last_hash) VALUES (1, %s) "
        "ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING last_hash",
        [GENESIS_HASH],
    )
    return cursor.fetchone()[0]


def audit_events_append(drafts: Sequence[EventDraft]) -> None:
    """Write events at the end of the chain: three statements however many there are.

    Must run inside the transaction that makes the change the events describe.
    """
    if not drafts:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be written in the transaction of the change they record")
    now = timezone.now()
    with connection.cursor() as cursor:
        prev_hash = _lock_chain_head(cursor)
        with copy_in(
            cursor, "tickets_auditevent", ("kind", "ticket_id", "actor_id", "created_at", "data", "prev_hash", "hash")
        ) as copy:
            for draft in drafts:
                created_at = draft.created_at or now
                digest = event_hash(
                    prev_hash=prev_hash,
                    kind=draft.kind,
                    ticket_id=draft.ticket_id,
                    actor_id=draft.actor_id,
                    created_at=created_at,
                    data=draft.data,
                )
                copy.write_row(
                    (
                        draft.kind,
                        draft.ticket_id,
                        draft.actor_id,
                        created_at,
                        orjson.dumps(draft.data),
                        prev_hash,
                        digest,
                    )
                )
                prev_hash = digest
        cursor.execute("UPDATE tickets_auditchainhead SET last_hash = %s WHERE id = 1", [prev_hash])


def audit_event_append(draft: EventDraft) -> None:
    audit_events_append([draft])


@dataclass(frozen=True, slots=True)
class ChainBreak:
    event_id: int
    reason: str


def audit_chain_verify(*, chunk_size: int = 20_000) -> Iterator[int | ChainBreak]:
    """Walk the chain in id order; yields the number of events checked per chunk, and stops at the
    first broken link with a ChainBreak."""
    prev_hash = GENESIS_HASH
    last_id = 0
    with transaction.atomic(), connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, kind, ticket_id, actor_id, created_at, data::text, prev_hash, hash "
                "FROM tickets_auditevent WHERE id > %s ORDER BY id LIMIT %s",
                [last_id, chunk_size],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            for event_id, kind, ticket_id, actor_id, created_at, data, stored_prev, stored_hash in rows:
                if stored_prev != prev_hash:
                    yield ChainBreak(
                        event_id,
                        "its previous-hash does not match the event before it "
                        "(an event was removed, inserted or reordered)",
                    )
                    return
                expected = event_hash(
                    prev_hash=prev_hash,
                    kind=kind,
                    ticket_id=ticket_id,
                    actor_id=actor_id,
                    created_at=created_at,
                    data=orjson.loads(data),
                )
                if expected != stored_hash:
                    yield ChainBreak(event_id, "its content does not match its hash (the event was altered)")
                    return
                prev_hash = stored_hash
                last_id = event_id
            yield len(rows)
        cursor.execute("SELECT last_hash FROM tickets_auditchainhead WHERE id = 1")
        head = cursor.fetchone()
        if head and head[0] != prev_hash and last_id:
            yield ChainBreak(last_id, "the chain head does not point at the last event (events after it were removed)")
