"""The SQL of bulk intake (tickets.services.intake): the COPY tables and the set-based statements.

Each statement handles a whole batch at once (arrays unnested into rows), so a batch costs the same
few round trips whatever its size.
"""

from collections.abc import Sequence
from operator import itemgetter

from seva.pg_copy import copy_in


class CopyTable:
    """A table filled with COPY: its columns in COPY order, and rows built by column name.

    `row(**values)` orders the values by the column list and refuses a missing or an unknown name,
    so a value can never land one column off."""

    def __init__(self, *, name: str, columns: Sequence[str]) -> None:
        self.name = name
        self.columns = tuple(columns)
        self._in_column_order = itemgetter(*self.columns)

    def row(self, **values: object) -> tuple:
        # Cheap enough for COPY rows built by the hundred thousand: one C-level lookup per column, and
        # a count (every column found and no more names than columns: no unknown name either).
        try:
            row = self._in_column_order(values)
        except KeyError:
            row = None
        if row is None or len(values) != len(self.columns):
            missing = ", ".join(c for c in self.columns if c not in values) or "-"
            unknown = ", ".join(sorted(set(values) - set(self.columns))) or "-"
            raise ValueError(f"{self.name} row: missing: {missing}; unknown: {unknown}")
        return row

    def copy(self, cursor, rows: Sequence[tuple]) -> None:
        """COPY `rows` (built by `row`) into the table, in one stream."""
        if not rows:
            return
        with copy_in(cursor, self.name, self.columns) as copy:
            for row in rows:
                copy.write_row(row)


TICKETS = CopyTable(
    name="tickets_ticket",
    columns=(
        "id",
        "number",
        "department_id",
        "unit_id",
        "status",
        "priority",
        "category_id",
        "triage_rule_id",
        "triage_reason",
        "incident_id",
        "assigned_to_id",
        "citizen_x_user_id",
        "citizen_handle",
        "conversation_id",
        "opening_tweet_id",
        "subject",
        "language",
        "reply_account_id",
        "needs_manual_reply",
        "follows_ticket_id",
        "merged_into_id",
        "created_at",
        "tweeted_at",
        "updated_at",
        "first_response_due_at",
        "resolution_due_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "first_response_business_seconds",
        "resolution_business_seconds",
        "escalation_level",
        "sla_paused_at",
        "resolution_note",
        "rejection_reason",
    ),
)
MESSAGES = CopyTable(
    name="tickets_ticketmessage",
    columns=(
        "id",
        "ticket_id",
        "direction",
        "kind",
        "tweet_id",
        "previous_tweet_ids",
        "in_reply_to_tweet_id",
        "author_x_user_id",
        "author_handle",
        "text",
        "language",
        "media",
        "created_at",
        "sent_by_id",
        "from_account_id",
        "delivery",
        "idempotency_key",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "thread_part",
        "thread_parts",
    ),
)

# Ids are allocated up front (one statement for the batch), so rows can point at each other.
TICKET_IDS_ALLOCATE = "SELECT nextval('tickets_ticket_id_seq') FROM generate_series(1, %s)"
MESSAGE_IDS_ALLOCATE = "SELECT nextval('tickets_ticketmessage_id_seq') FROM generate_series(1, %s)"

# Existing tickets that got a tweet: activity time, reopening, first response.
# Parameters: the reopened status, then arrays of ticket id, activity time, reopen, responded.
TICKETS_TOUCH = """
    UPDATE tickets_ticket t SET
        updated_at = GREATEST(t.updated_at, v.at),
        status = CASE WHEN v.reopen THEN %s ELSE t.status END,
        resolved_at = CASE WHEN v.reopen THEN NULL ELSE t.resolved_at END,
        first_responded_at = CASE WHEN v.responded THEN COALESCE(t.first_responded_at, v.at)
                                  ELSE t.first_responded_at END
    FROM unnest(%s::bigint[], %s::timestamptz[], %s::boolean[], %s::boolean[]) AS v(id, at, reopen, responded)
    WHERE t.id = v.id
"""

# (earlier tweet id, message id, its text) for every earlier version of an edited tweet. A text once
# known is never replaced by "" (a later edit names the same id without its text).
PREVIOUS_VERSIONS_UPSERT = """
    INSERT INTO tickets_previoustweetversion (tweet_id, message_id, text)
    SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[])
    ON CONFLICT (tweet_id) DO UPDATE SET
        message_id = EXCLUDED.message_id,
        text = CASE WHEN EXCLUDED.text = '' THEN tickets_previoustweetversion.text ELSE EXCLUDED.text END
"""

# Every edited message at once; returns each message's version before the edit. The CTE reads the
# rows as they were before this statement's UPDATE: that is the replaced version.
# Parameters: the message ids, then arrays of message id, new tweet id, new text, earlier ids ("{1,2}").
MESSAGES_EDIT = """
    WITH before AS (
        SELECT m.id, m.tweet_id, m.text FROM tickets_ticketmessage m WHERE m.id = ANY(%s::bigint[])
    )
    UPDATE tickets_ticketmessage m SET
        tweet_id = v.tweet_id, text = v.text,
        previous_tweet_ids = ARRAY(
            SELECT DISTINCT x FROM unnest(m.previous_tweet_ids || v.previous::bigint[]) x ORDER BY x
        )
    FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) AS v(id, tweet_id, text, previous), before
    WHERE m.id = v.id AND before.id = v.id
    RETURNING m.id, before.tweet_id, before.text
"""

# Ratings; a tweet counted once already is not counted again.
FEEDBACK_INSERT = """
    INSERT INTO tickets_feedback (ticket_id, rating, comment, tweet_id, created_at)
    SELECT * FROM unnest(%s::bigint[], %s::int[], %s::text[], %s::bigint[], %s::timestamptz[])
    ON CONFLICT (tweet_id) DO NOTHING
"""
