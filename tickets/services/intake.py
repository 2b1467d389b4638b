"""The tickets side of ingestion: write a whole batch of routed, threaded tweets at once.

Ingestion decides what each tweet is (a new ticket, a follow-up, an edit, the department's own
reply); this module writes those decisions with a fixed number of statements per batch, whatever
its size: ticket numbers and ids are allocated in one statement each, rows go in with COPY, and
existing tickets are changed with one UPDATE ... FROM unnest. The actor is the system, so there is
no right to check; every change still gets its audit event in the same transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from django.db import connection, transaction
from django.utils import timezone

from departments.models import Department
from tickets.audit import EventDraft, audit_events_append
from tickets.lifecycle import Priority, Status
from tickets.models import Delivery, Direction, Escalation, EventKind, MessageKind
from tickets.numbering import ticket_numbers_allocate
from tickets.outbox import outbox_sender_kick
from tickets.replies import acknowledgement_text, is_acknowledgement
from tickets.sla import sla_due_times_bulk

# A resolved ticket reopens when its citizen writes within this long; later, a new ticket follows it.
REOPEN_WINDOW = timedelta(days=7)


@dataclass(slots=True)
class InboundTweet:
    tweet_id: int
    text: str
    author_x_user_id: int | None
    author_handle: str
    created_at: datetime
    in_reply_to_tweet_id: int | None = None
    language: str = ""
    media: Sequence[dict] = ()
    previous_tweet_ids: list[int] = field(default_factory=list)
    # The text of each earlier version seen in the same batch (earlier id -> text).
    previous_texts: dict[int, str] = field(default_factory=dict)


@dataclass(slots=True)
class NewTicket:
    department: Department
    unit_id: int | None
    conversation_id: int
    opening: InboundTweet
    route: dict  # how it was routed, for the audit event: {"by": "hashtag", "value": "BSNLSeva"}
    reply_account_id: int | None
    follows_ticket_id: int | None = None
    priority: str = Priority.P3
    # Filled by intake_apply.
    id: int | None = None
    number: str = ""


@dataclass(slots=True)
class NewTicketRef:
    """A ticket opened earlier in the same batch, by its position in IntakeBatch.new_tickets."""

    index: int


@dataclass(slots=True)
class Append:
    """A tweet joining a ticket: the citizen's follow-up, or the department's own post on X."""

    ticket: int | NewTicketRef
    tweet: InboundTweet
    official_account_id: int | None = None  # set: the department's own tweet (direction out, already sent)
    reopen: bool = False


@dataclass(slots=True)
class Edit:
    """A newer version of a tweet already on a ticket."""

    message_id: int
    ticket_id: int
    tweet: InboundTweet  # the newest version; previous_tweet_ids holds every earlier id


@dataclass(slots=True)
class FeedbackDraft:
    """A citizen's rating of a resolved ticket, given by replying to it."""

    ticket_id: int
    tweet: InboundTweet
    rating: int
    comment: str
    appeal_to_department_id: int | None  # set: a low rating, appealed to that department's supervisors


@dataclass(slots=True)
class IntakeBatch:
    new_tickets: list[NewTicket] = field(default_factory=list)
    appends: list[Append] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    feedback: list[FeedbackDraft] = field(default_factory=list)


_TICKET_COLUMNS = (
    "id",
    "number",
    "department_id",
    "unit_id",
    "status",
    "priority",
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
    "escalation_level",
    "sla_paused_at",
    "resolution_note",
    "rejection_reason",
)
_MESSAGE_COLUMNS = (
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
)


def _copy(cursor, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    if not rows:
        return
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _tweet_row(ticket_id: int, tweet: InboundTweet, *, official_account_id: int | None = None) -> tuple:
    """A tweet on a ticket: the citizen's (in), or the department's own post on X (out, already sent)."""
    official = official_account_id is not None
    return (
        ticket_id, Direction.OUT if official else Direction.IN,
        MessageKind.OFFICIAL_TWEET if official else MessageKind.TWEET, tweet.tweet_id, tweet.previous_tweet_ids,
        tweet.in_reply_to_tweet_id, tweet.author_x_user_id, tweet.author_handle, tweet.text, tweet.language,
        orjson.dumps(list(tweet.media)).decode(), tweet.created_at, None, official_account_id,
        Delivery.SENT if official else "", None, 0, None, "", tweet.created_at if official else None, 1, 1,
    )  # fmt: skip


def _acknowledgement_row(ticket: NewTicket, now: datetime) -> tuple:
    delivery = Delivery.QUEUED if ticket.reply_account_id else Delivery.MANUAL
    return (
        ticket.id,
        Direction.OUT,
        MessageKind.ACKNOWLEDGEMENT,
        None,
        [],
        ticket.opening.tweet_id,
        None,
        "",
        acknowledgement_text(number=ticket.number, department=ticket.department, language=ticket.opening.language),
        ticket.opening.language,
        "[]",
        now,
        None,
        ticket.reply_account_id,
        delivery,
        f"ack-{ticket.number}",
        0,
        now if delivery == Delivery.QUEUED else None,
        "",
        None,
        1,
        1,
    )


def _insert_new_tickets(cursor, new: list[NewTicket], now: datetime) -> None:
    numbers = ticket_numbers_allocate(cursor, requests=[(ticket.department.number_prefix, now) for ticket in new])
    cursor.execute("SELECT nextval('tickets_ticket_id_seq') FROM generate_series(1, %s)", [len(new)])
    for ticket, (ticket_id,), number in zip(new, cursor.fetchall(), numbers, strict=True):
        ticket.id, ticket.number = ticket_id, number
    # The clock starts when the ticket exists; a unit's own calendar and policy govern its tickets.
    due_times = sla_due_times_bulk(requests=[(t.unit_id or t.department.id, t.priority, now) for t in new])
    rows = [
        (
            t.id, t.number, t.department.id, t.unit_id, Status.NEW, t.priority, None, t.opening.author_x_user_id,
            t.opening.author_handle, t.conversation_id,
            # The first version's id, also when the tweet was edited in this same batch.
            min([t.opening.tweet_id, *t.opening.previous_tweet_ids]),
            t.opening.text[:280], t.opening.language, t.reply_account_id, t.reply_account_id is None,
            t.follows_ticket_id, None, now, t.opening.created_at, now, first_response_due, resolution_due,
            None, None, None, 0, None, "", "",
        )
        for t, (first_response_due, resolution_due) in zip(new, due_times, strict=True)
    ]  # fmt: skip
    _copy(cursor, "tickets_ticket", _TICKET_COLUMNS, rows)


def _touch_tickets(cursor, appends: list[tuple[int, Append]]) -> None:
    """One UPDATE for every existing ticket that got a tweet: activity time, reopening, first response."""
    touched: dict[int, list] = {}  # ticket id -> [last activity, reopen, responded]
    for ticket_id, append in appends:
        state = touched.setdefault(ticket_id, [append.tweet.created_at, False, False])
        state[0] = max(state[0], append.tweet.created_at)
        state[1] = state[1] or append.reopen
        # Our acknowledgement echoing back through ingestion is no response to the citizen.
        state[2] = state[2] or bool(append.official_account_id and not is_acknowledgement(append.tweet.text))
    if not touched:
        return
    ids = list(touched)
    cursor.execute(
        """
        UPDATE tickets_ticket t SET
            updated_at = GREATEST(t.updated_at, v.at),
            status = CASE WHEN v.reopen THEN %s ELSE t.status END,
            resolved_at = CASE WHEN v.reopen THEN NULL ELSE t.resolved_at END,
            first_responded_at = CASE WHEN v.responded THEN COALESCE(t.first_responded_at, v.at)
                                      ELSE t.first_responded_at END
        FROM unnest(%s::bigint[], %s::timestamptz[], %s::boolean[], %s::boolean[]) AS v(id, at, reopen, responded)
        WHERE t.id = v.id
        """,
        [Status.REOPENED, ids, *([touched[i][column] for i in ids] for column in range(3))],
    )


def _insert_messages(cursor, messages: list[tuple[tuple, InboundTweet | None]]) -> None:
    """COPY the messages with ids allocated up front, so earlier versions of edited tweets can point at them.

    `messages` pairs each row with its tweet (None for our acknowledgements), whose earlier versions'
    texts are kept beside their ids."""
    if not messages:
        return
    cursor.execute("SELECT nextval('tickets_ticketmessage_id_seq') FROM generate_series(1, %s)", [len(messages)])
    ids = [message_id for (message_id,) in cursor.fetchall()]
    _copy(
        cursor,
        "tickets_ticketmessage",
        ("id", *_MESSAGE_COLUMNS),
        [(i, *row) for i, (row, _) in zip(ids, messages, strict=True)],
    )
    _insert_previous_versions(
        cursor,
        [
            (earlier, i, tweet.previous_texts.get(earlier, ""))
            for i, (_, tweet) in zip(ids, messages, strict=True)
            if tweet is not None
            for earlier in tweet.previous_tweet_ids
        ],
    )


def _insert_previous_versions(cursor, versions: list[tuple[int, int, str]]) -> None:
    """(earlier tweet id, message id, its text) for every earlier version of an edited tweet.

    A text once known is never replaced by "" (a later edit names the same id without its text)."""
    if not versions:
        return
    cursor.execute(
        """
        INSERT INTO tickets_previoustweetversion (tweet_id, message_id, text)
        SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[])
        ON CONFLICT (tweet_id) DO UPDATE SET
            message_id = EXCLUDED.message_id,
            text = CASE WHEN EXCLUDED.text = '' THEN tickets_previoustweetversion.text ELSE EXCLUDED.text END
        """,
        [[v[0] for v in versions], [v[1] for v in versions], [v[2] for v in versions]],
    )


@dataclass(slots=True)
class _Replaced:
    """What an edit replaced: the message's version before it."""

    tweet_id: int | None
    text: str


def _apply_edits(cursor, edits: list[Edit]) -> dict[int, _Replaced]:
    """One UPDATE for every edited message; returns each message's replaced version, by message id."""
    if not edits:
        return {}
    # The CTE reads the rows as they were before this statement's UPDATE: that is the replaced version.
    cursor.execute(
        """
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
        """,
        [
            [e.message_id for e in edits],
            [e.message_id for e in edits],
            [e.tweet.tweet_id for e in edits],
            [e.tweet.text for e in edits],
            ["{" + ",".join(map(str, e.tweet.previous_tweet_ids)) + "}" for e in edits],
        ],
    )
    replaced = {message_id: _Replaced(tweet_id, text) for message_id, tweet_id, text in cursor.fetchall()}
    versions = []
    for e in edits:
        old = replaced.get(e.message_id)
        texts = {**e.tweet.previous_texts, **({old.tweet_id: old.text} if old and old.tweet_id else {})}
        versions += [(earlier, e.message_id, texts.get(earlier, "")) for earlier in e.tweet.previous_tweet_ids]
    _insert_previous_versions(cursor, versions)
    return replaced


def _insert_feedback(cursor, feedback: list[FeedbackDraft], now: datetime) -> list[EventDraft]:
    """Ratings, and an appeal escalation for each poor one; returns their audit events."""
    if not feedback:
        return []
    cursor.execute(
        """
        INSERT INTO tickets_feedback (ticket_id, rating, comment, tweet_id, created_at)
        SELECT * FROM unnest(%s::bigint[], %s::int[], %s::text[], %s::bigint[], %s::timestamptz[])
        ON CONFLICT (tweet_id) DO NOTHING
        """,
        [
            [f.ticket_id for f in feedback], [f.rating for f in feedback], [f.comment for f in feedback],
            [f.tweet.tweet_id for f in feedback], [f.tweet.created_at for f in feedback],
        ],
    )  # fmt: skip
    appeals = [f for f in feedback if f.appeal_to_department_id]
    events = [
        EventDraft(EventKind.FEEDBACK, f.ticket_id, data={"rating": f.rating, "tweet_id": str(f.tweet.tweet_id)})
        for f in feedback
    ]
    if appeals:
        cursor.execute(
            """
            WITH raised AS (
                INSERT INTO tickets_escalation (ticket_id, level, reason, notify_department_id, raised_at)
                SELECT v.ticket_id, LEAST(t.escalation_level + 1, 3), %s, v.department_id, %s
                  FROM unnest(%s::bigint[], %s::bigint[]) AS v(ticket_id, department_id)
                  JOIN tickets_ticket t ON t.id = v.ticket_id
                ON CONFLICT (ticket_id, level, reason, notify_department_id) DO NOTHING
                RETURNING ticket_id, level, notify_department_id
            )
            UPDATE tickets_ticket t SET escalation_level = GREATEST(t.escalation_level, raised.level)
              FROM raised WHERE t.id = raised.ticket_id
            RETURNING t.id, raised.level, raised.notify_department_id
            """,
            [Escalation.Reason.APPEAL, now, [f.ticket_id for f in appeals],
             [f.appeal_to_department_id for f in appeals]],
        )  # fmt: skip
        events += [
            EventDraft(EventKind.ESCALATED, ticket_id, data={
                "level": level, "reason": Escalation.Reason.APPEAL, "notify_department_id": department_id,
            })
            for ticket_id, level, department_id in cursor.fetchall()
        ]  # fmt: skip
    return events


def _events(batch: IntakeBatch, appends: list[tuple[int, Append]], replaced: dict[int, _Replaced]) -> list[EventDraft]:
    events = [
        EventDraft(EventKind.CREATED, t.id, data={
            "number": t.number,
            "tweet_id": str(t.opening.tweet_id),
            "route": t.route,
            "acknowledgement": "queued" if t.reply_account_id else "manual reply needed",
            **({"follows_ticket_id": t.follows_ticket_id} if t.follows_ticket_id else {}),
        })
        for t in batch.new_tickets
    ]  # fmt: skip
    for ticket_id, append in appends:
        if append.official_account_id:
            kind = EventKind.OFFICIAL_REPLY_SEEN
        else:
            kind = EventKind.REOPENED if append.reopen else EventKind.THREADED
        events.append(EventDraft(kind, ticket_id, data={"tweet_id": str(append.tweet.tweet_id)}))
    events.extend(
        # The replaced version's text is in the chain too: an edit can never erase what was written.
        EventDraft(EventKind.EDITED, e.ticket_id, data={
            "tweet_id": str(e.tweet.tweet_id), "previous_tweet_ids": [str(i) for i in e.tweet.previous_tweet_ids],
            "previous_tweet_id": str(replaced[e.message_id].tweet_id) if e.message_id in replaced else None,
            "previous_text": replaced[e.message_id].text if e.message_id in replaced else "",
        })
        for e in batch.edits
    )  # fmt: skip
    return events


def intake_apply(batch: IntakeBatch) -> None:
    """Write the batch. Runs inside the caller's transaction; fills in each NewTicket's id and number."""
    now = timezone.now()
    new = batch.new_tickets
    with connection.cursor() as cursor:
        if new:
            _insert_new_tickets(cursor, new, now)
            if any(t.reply_account_id for t in new):
                transaction.on_commit(outbox_sender_kick, robust=True)
        appends = [
            (new[a.ticket.index].id if isinstance(a.ticket, NewTicketRef) else a.ticket, a) for a in batch.appends
        ]
        messages = [(_tweet_row(t.id, t.opening), t.opening) for t in new]
        messages += [(_acknowledgement_row(t, now), None) for t in new]
        messages += [(_tweet_row(f.ticket_id, f.tweet), f.tweet) for f in batch.feedback]
        messages += [
            (_tweet_row(ticket_id, a.tweet, official_account_id=a.official_account_id), a.tweet)
            for ticket_id, a in appends
        ]
        _insert_messages(cursor, messages)
        _touch_tickets(cursor, [(ticket_id, a) for ticket_id, a in appends if not isinstance(a.ticket, NewTicketRef)])
        replaced = _apply_edits(cursor, batch.edits)
        feedback_events = _insert_feedback(cursor, batch.feedback, now)
    audit_events_append(_events(batch, appends, replaced) + feedback_events)
