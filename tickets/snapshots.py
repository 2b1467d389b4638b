"""What intake needs to know of stored tickets, read set-based: for ingestion's batch planner.

Ingestion threads a batch of tweets against the messages and tickets they can touch. It asks here
rather than reading tickets' tables itself, so only `tickets` knows its schema. Each function is one
statement whatever the batch's size (the pipeline's query count does not grow with it).
"""

from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple

from django.db import connection

from seva.pg_arrays import bigint_array


class MessageSnapshot(NamedTuple):
    """A stored message whose tweet (or one of its earlier versions) a batch names."""

    message_id: int
    tweet_id: int | None
    previous_tweet_ids: list[int]
    ticket_id: int
    author_x_user_id: int | None


class TicketSnapshot(NamedTuple):
    """A ticket a batch may thread into, as intake decides with it."""

    ticket_id: int
    conversation_id: int
    citizen_x_user_id: int | None
    status: str
    resolved_at: datetime | None
    merged_into_id: int | None
    department_id: int | None
    unit_id: int | None
    rated: bool  # feedback already given for this resolution


def message_snapshots(*, tweet_ids: Collection[int]) -> list[MessageSnapshot]:
    """The messages of these tweets, found by their tweet or by any earlier version of it."""
    ids = bigint_array(sorted(tweet_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.id, m.tweet_id, m.previous_tweet_ids, m.ticket_id, m.author_x_user_id
              FROM tickets_ticketmessage m
             WHERE m.tweet_id = ANY(%s::bigint[])
            UNION
            SELECT m.id, m.tweet_id, m.previous_tweet_ids, m.ticket_id, m.author_x_user_id
              FROM tickets_previoustweetversion p
              JOIN tickets_ticketmessage m ON m.id = p.message_id
             WHERE p.tweet_id = ANY(%s::bigint[])
            """,
            [ids, ids],
        )
        return list(map(MessageSnapshot._make, cursor.fetchall()))


def ticket_snapshots_locked(*, conversation_ids: Collection[int], ticket_ids: Collection[int]) -> list[TicketSnapshot]:
    """The tickets of these conversations and these ids, and the tickets they were merged into, in id
    order, locked FOR UPDATE until the caller's transaction ends (the caller holds the pipeline lock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH found AS MATERIALIZED (
                SELECT ARRAY(
                    SELECT id FROM tickets_ticket WHERE conversation_id = ANY(%s::bigint[])
                    UNION
                    SELECT unnest(%s::bigint[])
                ) AS ids
            )
            -- id = ANY(array), not a join: index lookups whatever the planner's row estimates
            -- (which lag far behind during a bulk load).
            SELECT id, conversation_id, citizen_x_user_id, status, resolved_at, merged_into_id,
                   department_id, unit_id,
                   EXISTS (SELECT 1 FROM tickets_feedback f
                            WHERE f.ticket_id = tickets_ticket.id AND f.created_at >= tickets_ticket.resolved_at)
              FROM tickets_ticket
             WHERE id = ANY((SELECT ids FROM found)::bigint[] || ARRAY(
                       SELECT merged_into_id FROM tickets_ticket
                        WHERE id = ANY((SELECT ids FROM found)::bigint[]) AND merged_into_id IS NOT NULL))
             ORDER BY id
             FOR UPDATE
            """,
            [sorted(conversation_ids), sorted(ticket_ids)],
        )
        return list(map(TicketSnapshot._make, cursor.fetchall()))
