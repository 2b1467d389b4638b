"""The tickets side of ingestion: write a whole batch of routed, threaded tweets at once.

Ingestion decides what each tweet is (a new ticket, a follow-up, an edit, the department's own
reply); this module writes those decisions with a fixed number of statements per batch, whatever
its size: ticket numbers and ids are allocated in one statement each, rows go in with COPY, and
existing tickets are changed with one UPDATE ... FROM unnest (the statements and the COPY tables are
in tickets.services.intake_sql). The actor is the system, so there is no right to check; every change
still gets its audit event in the same transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from django.db import connection, transaction
from django.utils import timezone

from departments.models import Department
from tickets.audit import EventDraft, audit_events_append
from tickets.citizen_texts import acknowledgement_text, is_acknowledgement
from tickets.events.ticket import (
    ticket_created_event,
    ticket_edited_event,
    ticket_feedback_event,
    ticket_official_reply_seen_event,
    ticket_reopened_by_citizen_event,
    ticket_threaded_event,
)
from tickets.lifecycle import Priority, Status
from tickets.models import Delivery, Direction, Escalation, MessageKind, scope_department_id
from tickets.numbering import ticket_numbers_allocate
from tickets.services import intake_sql as sql
from tickets.services.assignment import tickets_auto_assign_on_commit
from tickets.services.escalations import DueEscalations, EscalationDraft, escalations_raise
from tickets.services.incident_detection import incidents_detect
from tickets.services.outbox import outbox_sender_kick
from tickets.sla.targets import sla_due_times_bulk


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
    # Triage (tickets.triage.rules): what the rules made of the opening tweet; P3 and no category when
    # none matched.
    priority: str = Priority.P3
    category_id: str | None = None
    triage_rule_id: int | None = None
    triage_reason: str = ""
    # Filled by intake_apply.
    id: int | None = None
    number: str = ""

    @property
    def scope_department_id(self) -> int:
        return scope_department_id(department_id=self.department.id, unit_id=self.unit_id)


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


@dataclass(slots=True)
class _TweetOnTicket:
    """A tweet to store as a message of a ticket; with an official account, that account posted it."""

    ticket_id: int
    tweet: InboundTweet
    official_account_id: int | None = None


def _tweet_row(message_id: int, ticket_id: int, tweet: InboundTweet, official_account_id: int | None) -> tuple:
    """A tweet on a ticket: the citizen's (in), or the department's own post on X (out, already sent)."""
    official = official_account_id is not None
    return sql.MESSAGES.row(
        id=message_id,
        ticket_id=ticket_id,
        direction=Direction.OUT if official else Direction.IN,
        kind=MessageKind.OFFICIAL_TWEET if official else MessageKind.TWEET,
        tweet_id=tweet.tweet_id,
        previous_tweet_ids=tweet.previous_tweet_ids,
        in_reply_to_tweet_id=tweet.in_reply_to_tweet_id,
        author_x_user_id=tweet.author_x_user_id,
        author_handle=tweet.author_handle,
        text=tweet.text,
        language=tweet.language,
        media=orjson.dumps(list(tweet.media)),
        created_at=tweet.created_at,
        sent_by_id=None,
        from_account_id=official_account_id,
        delivery=Delivery.SENT if official else "",
        idempotency_key=None,
        attempts=0,
        next_attempt_at=None,
        last_error="",
        sent_at=tweet.created_at if official else None,
        thread_part=1,
        thread_parts=1,
    )


def _acknowledgement_row(message_id: int, ticket: NewTicket, now: datetime) -> tuple:
    delivery = Delivery.QUEUED if ticket.reply_account_id else Delivery.MANUAL
    return sql.MESSAGES.row(
        id=message_id,
        ticket_id=ticket.id,
        direction=Direction.OUT,
        kind=MessageKind.ACKNOWLEDGEMENT,
        tweet_id=None,
        previous_tweet_ids=(),
        in_reply_to_tweet_id=ticket.opening.tweet_id,
        author_x_user_id=None,
        author_handle="",
        text=acknowledgement_text(
            number=ticket.number, department=ticket.department, language=ticket.opening.language
        ),
        language=ticket.opening.language,
        media=b"[]",
        created_at=now,
        sent_by_id=None,
        from_account_id=ticket.reply_account_id,
        delivery=delivery,
        idempotency_key=f"ack-{ticket.number}",
        attempts=0,
        next_attempt_at=now if delivery == Delivery.QUEUED else None,
        last_error="",
        sent_at=None,
        thread_part=1,
        thread_parts=1,
    )


def _new_ticket_rows(cursor, new: list[NewTicket], now: datetime) -> list[tuple]:
    """Allocate the new tickets' ids and numbers (filled in on each NewTicket) and build their rows."""
    numbers = ticket_numbers_allocate(cursor, requests=[(ticket.department.number_prefix, now) for ticket in new])
    cursor.execute(sql.TICKET_IDS_ALLOCATE, [len(new)])
    for ticket, (ticket_id,), number in zip(new, cursor.fetchall(), numbers, strict=True):
        ticket.id, ticket.number = ticket_id, number
    # The clock starts when the ticket exists; a unit's own calendar and policy govern its tickets.
    due_times = sla_due_times_bulk(requests=[(t.scope_department_id, t.priority, now) for t in new])
    rows = [
        sql.TICKETS.row(
            id=t.id,
            number=t.number,
            department_id=t.department.id,
            unit_id=t.unit_id,
            status=Status.NEW,
            priority=t.priority,
            category_id=t.category_id,
            triage_rule_id=t.triage_rule_id,
            triage_reason=t.triage_reason,
            incident_id=None,
            assigned_to_id=None,
            citizen_x_user_id=t.opening.author_x_user_id,
            citizen_handle=t.opening.author_handle,
            conversation_id=t.conversation_id,
            # The first version's id, also when the tweet was edited in this same batch.
            opening_tweet_id=min([t.opening.tweet_id, *t.opening.previous_tweet_ids]),
            subject=t.opening.text[:280],
            language=t.opening.language,
            reply_account_id=t.reply_account_id,
            needs_manual_reply=t.reply_account_id is None,
            follows_ticket_id=t.follows_ticket_id,
            merged_into_id=None,
            created_at=now,
            tweeted_at=t.opening.created_at,
            updated_at=now,
            first_response_due_at=first_response_due,
            resolution_due_at=resolution_due,
            first_responded_at=None,
            resolved_at=None,
            closed_at=None,
            first_response_business_seconds=None,
            resolution_business_seconds=None,
            escalation_level=0,
            sla_paused_at=None,
            resolution_note="",
            rejection_reason="",
        )
        for t, (first_response_due, resolution_due) in zip(new, due_times, strict=True)
    ]
    return rows


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
        sql.TICKETS_TOUCH,
        [Status.REOPENED, ids, *([touched[i][column] for i in ids] for column in range(3))],
    )


def _insert_messages(cursor, new: list[NewTicket], tweets: list[_TweetOnTicket], now: datetime) -> None:
    """COPY the new tickets' opening tweets and acknowledgements, then `tweets`, with ids allocated up
    front, so earlier versions of edited tweets can point at them (their texts kept beside their ids)."""
    tweets = [_TweetOnTicket(t.id, t.opening) for t in new] + tweets
    if not tweets:
        return
    cursor.execute(sql.MESSAGE_IDS_ALLOCATE, [len(tweets) + len(new)])
    ids = [message_id for (message_id,) in cursor.fetchall()]
    # In id order: the openings, their acknowledgements, the other tweets.
    tweet_ids = ids[: len(new)] + ids[2 * len(new) :]
    rows = [
        _tweet_row(message_id, t.ticket_id, t.tweet, t.official_account_id)
        for message_id, t in zip(tweet_ids, tweets, strict=True)
    ]
    rows[len(new) : len(new)] = [
        _acknowledgement_row(message_id, ticket, now)
        for message_id, ticket in zip(ids[len(new) : 2 * len(new)], new, strict=True)
    ]
    sql.MESSAGES.copy(cursor, rows)
    _insert_previous_versions(
        cursor,
        [
            (earlier, message_id, t.tweet.previous_texts.get(earlier, ""))
            for message_id, t in zip(tweet_ids, tweets, strict=True)
            for earlier in t.tweet.previous_tweet_ids
        ],
    )


def _insert_previous_versions(cursor, versions: list[tuple[int, int, str]]) -> None:
    """(earlier tweet id, message id, its text) for every earlier version of an edited tweet."""
    if not versions:
        return
    cursor.execute(
        sql.PREVIOUS_VERSIONS_UPSERT,
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
    cursor.execute(
        sql.MESSAGES_EDIT,
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
        sql.FEEDBACK_INSERT,
        [
            [f.ticket_id for f in feedback], [f.rating for f in feedback], [f.comment for f in feedback],
            [f.tweet.tweet_id for f in feedback], [f.tweet.created_at for f in feedback],
        ],
    )  # fmt: skip
    events = [
        ticket_feedback_event(ticket_id=f.ticket_id, rating=f.rating, tweet_id=f.tweet.tweet_id) for f in feedback
    ]
    appeals = [f for f in feedback if f.appeal_to_department_id]
    if appeals:
        _appeals_raise(appeals, now)
    return events


def _appeals_raise(appeals: list[FeedbackDraft], now: datetime) -> None:
    """An appeal escalation for each poor rating, one level above its ticket's, to the department it
    names: through the one function that raises escalations, which writes their events too."""
    drafts = [
        EscalationDraft(
            ticket_id=f.ticket_id, reason=Escalation.Reason.APPEAL, notify_department_id=f.appeal_to_department_id
        )
        for f in appeals
    ]
    escalations_raise(due=DueEscalations.of(drafts), now=now)


def _events(batch: IntakeBatch, appends: list[tuple[int, Append]], replaced: dict[int, _Replaced]) -> list[EventDraft]:
    events = [
        ticket_created_event(
            ticket_id=t.id,
            number=t.number,
            tweet_id=t.opening.tweet_id,
            route=t.route,
            acknowledgement_queued=bool(t.reply_account_id),
            follows_ticket_id=t.follows_ticket_id,
            priority=t.priority,
            category_id=t.category_id,
            triage_reason=t.triage_reason,
        )
        for t in batch.new_tickets
    ]
    for ticket_id, append in appends:
        if append.official_account_id:
            appended = ticket_official_reply_seen_event
        else:
            appended = ticket_reopened_by_citizen_event if append.reopen else ticket_threaded_event
        events.append(appended(ticket_id=ticket_id, tweet_id=append.tweet.tweet_id))
    for e in batch.edits:
        old = replaced.get(e.message_id)
        events.append(
            ticket_edited_event(
                ticket_id=e.ticket_id,
                tweet_id=e.tweet.tweet_id,
                previous_tweet_ids=e.tweet.previous_tweet_ids,
                replaced_tweet_id=old.tweet_id if old else None,
                replaced_text=old.text if old else "",
            )
        )
    return events


def intake_apply(*, batch: IntakeBatch) -> None:
    """Write the batch. Runs inside the caller's transaction; fills in each NewTicket's id and number."""
    now = timezone.now()
    new = batch.new_tickets
    with connection.cursor() as cursor:
        ticket_rows = _new_ticket_rows(cursor, new, now) if new else []
        if new:
            if any(t.reply_account_id for t in new):
                transaction.on_commit(outbox_sender_kick, robust=True)
            tickets_auto_assign_on_commit(department_ids={t.scope_department_id for t in new})
        appends = [
            (new[a.ticket.index].id if isinstance(a.ticket, NewTicketRef) else a.ticket, a) for a in batch.appends
        ]
        tweets = [_TweetOnTicket(f.ticket_id, f.tweet) for f in batch.feedback]
        tweets += [_TweetOnTicket(ticket_id, a.tweet, a.official_account_id) for ticket_id, a in appends]
        _insert_messages(cursor, new, tweets, now)
        # After their messages (the foreign keys are checked at commit): each new ticket's search
        # document takes its messages' words as it is inserted (migration 0018), not by an update.
        sql.TICKETS.copy(cursor, ticket_rows)
        _touch_tickets(cursor, [(ticket_id, a) for ticket_id, a in appends if not isinstance(a.ticket, NewTicketRef)])
        replaced = _apply_edits(cursor, batch.edits)
        feedback_events = _insert_feedback(cursor, batch.feedback, now)
    # Surges: the new tickets join or open incidents; their events go in the one append below.
    incident_events = incidents_detect(new_tickets=new, now=now)
    audit_events_append(_events(batch, appends, replaced) + feedback_events + incident_events)
