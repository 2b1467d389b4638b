"""The outbox: replies to citizens wait here, as outbound ticket messages, until the sender posts them.

An outbound TicketMessage (direction "out") is one post on X. Its `delivery`:

    queued  --claim-->  sending  --mark_sent-->  sent
       ^                   |---- mark_failed (permanent, or out of attempts) -->  failed
       |------------------ mark_failed (transient), release (rate limited),
                           stale and found not posted
    manual: no official account was summoned; an officer replies by hand. Never sent.
    dropped: an acknowledgement no longer useful (outbox_ack_keep). Never sent.

The posting budget (DESIGN "Posting budget"): what X said each account and the app may still post
(tickets.posting_budget) is spent by rank (outbox_budget.SEND_RANK): officers' replies and resolution
notices, then incident resolutions, then acknowledgements. A kind is held on an account while what
is left would not cover the messages of the kinds before it that wait there (plus, for
acknowledgements, OUTBOX_ACK_RESERVE posts kept for replies yet to come; the app's window likewise,
with OUTBOX_APP_ACK_RESERVE): outbox_budget_gates. An acknowledgement whose ticket is answered or
closed, or whose citizen was acknowledged in the conversation already, is dropped, not sent late.

A message in "sending" was handed to X, and whether X posted it is unknown until the sender sees
the answer: it is reconciled (looked up on X), never re-sent blindly. While a message is "sending",
its `next_attempt_at` is the time it was claimed.

This is the tickets side: it never talks to X and never imports ingestion (`ingestion.delivery`
posts, and ingestion registers the sender that outbox_sender_kick enqueues: outbox_sender_register).
Every state change is one short transaction of its own that locks the message's row; sent and failed
write their audit event (REPLY_SENT, REPLY_FAILED) in it, while claiming, releasing and a retry are
the sender's bookkeeping (attempts, last_error), not events. Claiming uses SELECT ...
FOR UPDATE SKIP LOCKED, so two senders never claim one message (the claims' SQL is in
tickets.services.outbox_sql).
"""

import logging
import random
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from seva.errors import Text
from tickets.audit import audit_events_append
from tickets.events.ticket import ack_dropped_event, reply_failed_event, reply_sent_event
from tickets.lifecycle import OPEN_STATUSES
from tickets.models import Delivery, Direction, MessageKind, Ticket, TicketMessage
from tickets.post_text import POST_LIMIT, reply_thread_parts
from tickets.services import outbox_sql as sql
from tickets.services.errors import TicketActionError
from tickets.services.outbox_budget import BudgetGates

logger = logging.getLogger(__name__)

# A reply is at most this many posts; longer text is refused (the caller answers 400).
MAX_THREAD_PARTS = 10
# Transient failures are retried this many times in all, then the message fails.
MAX_ATTEMPTS = 12
RETRY_BASE = timedelta(seconds=15)
RETRY_CAP = timedelta(minutes=15)
# Set while a send is queued after a commit; the sender task clears it when it starts.
SENDER_KICK_KEY = "outbox:sender-kicked"

REPLY_KINDS = frozenset({MessageKind.ACKNOWLEDGEMENT, MessageKind.REPLY, MessageKind.INCIDENT_RESOLUTION})
# Kinds that answer the citizen, so a waiting acknowledgement of the ticket is no longer needed.
ANSWER_KINDS = frozenset({MessageKind.REPLY, MessageKind.INCIDENT_RESOLUTION})


class ReplyTextInvalid(TicketActionError):
    """The reply is empty, or too long for MAX_THREAD_PARTS posts: HTTP 400 on `field`."""

    def __init__(self, message: Text, *, field: str = "text") -> None:
        super().__init__("reply_invalid", message, {field: [message]})


# --- queueing ----------------------------------------------------------------------------------


def _part_key(group: str, part: int, parts: int) -> str:
    return group if parts == 1 else f"{group}-{part}of{parts}"


def _next_part_key(message: TicketMessage) -> str:
    group = message.idempotency_key.rsplit("-", 1)[0]
    return _part_key(group, message.thread_part + 1, message.thread_parts)


def _default_reply_target(ticket: Ticket) -> int:
    """The citizen's newest tweet on the ticket that mentions the replying account (X lets an account
    reply only where the author summoned it: X_API.md 6); else their newest tweet; else the opening one."""
    inbound = list(
        ticket.messages.filter(direction=Direction.IN, tweet_id__isnull=False)
        .order_by("-tweet_id")
        .values_list("tweet_id", "text")
    )
    return _reply_target(ticket, inbound)


def _reply_target(ticket: Ticket, inbound: list[tuple[int, str]]) -> int:
    """_default_reply_target, given the ticket's inbound (tweet id, text), newest first."""
    account = ticket.reply_account
    if account is not None:
        mention = re.compile(rf"@{re.escape(account.handle)}(?!\w)", re.IGNORECASE)
        summoning = next((tweet_id for tweet_id, text in inbound if mention.search(text)), None)
        if summoning is not None:
            return summoning
    return inbound[0][0] if inbound else ticket.opening_tweet_id


def _thread_messages(
    *, ticket: Ticket, parts: list[str], kind: str, sent_by, target: int, now: datetime
) -> list[TicketMessage]:
    """The unsaved messages of one reply thread from the ticket's reply account ("manual" without
    one): part 1 due now and answering `target`, each later part waiting for the part before it."""
    account = ticket.reply_account
    delivery = Delivery.QUEUED if account is not None else Delivery.MANUAL
    group = f"{kind}-{ticket.number}-{uuid.uuid4().hex[:12]}"
    return [
        TicketMessage(
            ticket=ticket,
            direction=Direction.OUT,
            kind=kind,
            in_reply_to_tweet_id=target if number == 1 else None,
            author_x_user_id=int(account.x_user_id) if account is not None and account.x_user_id.isdigit() else None,
            author_handle=account.handle if account is not None else "",
            text=part,
            created_at=now,
            sent_by=sent_by,
            from_account=account,
            delivery=delivery,
            idempotency_key=_part_key(group, number, len(parts)),
            # Later parts are not due until the part before them is posted (outbox_mark_sent).
            next_attempt_at=now if delivery == Delivery.QUEUED and number == 1 else None,
            thread_part=number,
            thread_parts=len(parts),
        )
        for number, part in enumerate(parts, start=1)
    ]


def outbox_queue_reply(
    *,
    ticket: Ticket,
    text: str,
    kind: str,
    sent_by=None,
    in_reply_to_tweet_id: int | None = None,
) -> list[TicketMessage]:
    """Put a reply to the citizen in the outbox: one message per post of its thread.

    Sent from `ticket.reply_account`; with none, the messages are "manual" and the ticket is flagged
    `needs_manual_reply`. Part 1 is due now and answers `in_reply_to_tweet_id` (default: see
    _default_reply_target); each later part waits until the part before it is posted, then answers
    that post. Runs inside the caller's transaction, which holds the ticket's lock, checked the actor's
    right and writes the REPLIED event; the sender is asked to run once that transaction commits.
    Raises ReplyTextInvalid for empty text or text longer than MAX_THREAD_PARTS posts.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_queue_reply must run inside the transaction that records the reply")
    if kind not in REPLY_KINDS:
        raise ValueError(f"not a reply kind: {kind!r}")
    if len(text) > MAX_THREAD_PARTS * POST_LIMIT:
        raise ReplyTextInvalid(format_lazy(_("A reply can be at most {parts} posts long."), parts=MAX_THREAD_PARTS))
    parts = reply_thread_parts(text)
    if not parts:
        raise ReplyTextInvalid(_("A reply cannot be empty."))
    if len(parts) > MAX_THREAD_PARTS:
        raise ReplyTextInvalid(
            format_lazy(
                _("A reply can be at most {parts} posts long; this one needs {needed}."),
                parts=MAX_THREAD_PARTS,
                needed=len(parts),
            )
        )

    account = ticket.reply_account
    target = in_reply_to_tweet_id if in_reply_to_tweet_id is not None else _default_reply_target(ticket)
    messages = TicketMessage.objects.bulk_create(
        _thread_messages(ticket=ticket, parts=parts, kind=kind, sent_by=sent_by, target=target, now=timezone.now())
    )
    if kind in ANSWER_KINDS:
        # The citizen is being answered: an acknowledgement still waiting would only arrive after it.
        waiting_acks = TicketMessage.objects.select_for_update(of=("self",)).filter(
            ticket=ticket, kind=MessageKind.ACKNOWLEDGEMENT, delivery=Delivery.QUEUED
        )
        _drop_acks(list(waiting_acks.select_related("from_account")), reason=ACK_ANSWERED)
    if account is None:
        if not ticket.needs_manual_reply:
            ticket.needs_manual_reply = True
            ticket.save(update_fields=["needs_manual_reply"])
    else:
        transaction.on_commit(outbox_sender_kick, robust=True)
    return messages


def outbox_queue_replies(
    *, replies: Sequence[tuple[Ticket, str]], kind: str, sent_by=None
) -> dict[int, list[TicketMessage]]:
    """outbox_queue_reply for many tickets at once (an incident's resolution to each of its citizens):
    the same messages, in three statements however many tickets there are (the replies' targets, the
    messages, the manual-reply flags). Returns each ticket's messages, by ticket id."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_queue_replies must run inside the transaction that records the replies")
    if kind not in REPLY_KINDS:
        raise ValueError(f"not a reply kind: {kind!r}")
    planned = []
    for ticket, text in replies:
        parts = reply_thread_parts(text) if len(text) <= MAX_THREAD_PARTS * POST_LIMIT else []
        if not parts or len(parts) > MAX_THREAD_PARTS:
            raise ReplyTextInvalid(
                format_lazy(_("A reply can be at most {parts} posts long."), parts=MAX_THREAD_PARTS)
            )
        planned.append((ticket, parts))
    if not planned:
        return {}
    inbound: dict[int, list[tuple[int, str]]] = {}
    for ticket_id, tweet_id, text in (
        TicketMessage.objects.filter(
            ticket_id__in=[t.pk for t, _parts in planned], direction=Direction.IN, tweet_id__isnull=False
        )
        .order_by("ticket_id", "-tweet_id")
        .values_list("ticket_id", "tweet_id", "text")
    ):
        inbound.setdefault(ticket_id, []).append((tweet_id, text))
    now = timezone.now()
    rows = []
    for ticket, parts in planned:
        target = _reply_target(ticket, inbound.get(ticket.pk, []))
        rows += _thread_messages(ticket=ticket, parts=parts, kind=kind, sent_by=sent_by, target=target, now=now)
    if kind in ANSWER_KINDS:
        # As in outbox_queue_reply: the acknowledgements still waiting would only arrive after these.
        waiting_acks = TicketMessage.objects.select_for_update(of=("self",)).filter(
            ticket_id__in=[t.pk for t, _parts in planned], kind=MessageKind.ACKNOWLEDGEMENT, delivery=Delivery.QUEUED
        )
        _drop_acks(waiting_acks.select_related("from_account"), reason=ACK_ANSWERED)
    by_ticket: dict[int, list[TicketMessage]] = {}
    for message in TicketMessage.objects.bulk_create(rows):
        by_ticket.setdefault(message.ticket_id, []).append(message)
    manual = [t.pk for t, _parts in planned if t.reply_account is None and not t.needs_manual_reply]
    if manual:
        Ticket.objects.filter(pk__in=manual).update(needs_manual_reply=True)
    if any(t.reply_account is not None for t, _parts in planned):
        transaction.on_commit(outbox_sender_kick, robust=True)
    return by_ticket


# --- acknowledgements that are no longer useful -------------------------------------------------

ACK_ANSWERED, ACK_CLOSED, ACK_ACKNOWLEDGED = "answered", "closed", "acknowledged"
_ACK_DROPPED_ERRORS = {
    ACK_ANSWERED: "Not sent: the ticket was answered first.",
    ACK_CLOSED: "Not sent: the ticket was closed first.",
    ACK_ACKNOWLEDGED: "Not sent: the citizen was acknowledged in this conversation already.",
}


def _drop_acks(messages: Iterable[TicketMessage], *, reason: str, acknowledged_by: int | None = None) -> None:
    """Mark acknowledgements (their rows locked) never to be sent, each with its ACK_DROPPED event."""
    messages = list(messages)
    events = []
    for message in messages:
        message.delivery, message.next_attempt_at = Delivery.DROPPED, None
        message.last_error = _ACK_DROPPED_ERRORS[reason]
        events.append(ack_dropped_event(message=message, reason=reason, acknowledged_by_message_id=acknowledged_by))
    if events:
        # One statement however many: an incident's resolution drops one per ticket.
        TicketMessage.objects.bulk_update(messages, ["delivery", "next_attempt_at", "last_error"])
        audit_events_append(events)


def _ack_needless(message: TicketMessage) -> tuple[str, int | None] | None:
    """Why the acknowledgement `message` should not be sent (and the acknowledgement sent instead), or None."""
    ticket = Ticket.objects.only(
        "status", "merged_into_id", "first_responded_at", "conversation_id", "citizen_x_user_id"
    ).get(pk=message.ticket_id)
    if ticket.status not in OPEN_STATUSES or ticket.merged_into_id is not None:
        return ACK_CLOSED, None
    answered = TicketMessage.objects.filter(
        ticket_id=ticket.pk,
        direction=Direction.OUT,
        kind__in=ANSWER_KINDS,
        delivery__in=[Delivery.QUEUED, Delivery.SENDING, Delivery.SENT],
    )
    if ticket.first_responded_at is not None or answered.exists():
        return ACK_ANSWERED, None
    # One acknowledgement per citizen and conversation: another ticket's (or a second one of this
    # ticket) that was sent, or is being sent and came first: two senders claiming both at once keep one.
    citizen = (
        Q(ticket__conversation_id=ticket.conversation_id, ticket__citizen_x_user_id=ticket.citizen_x_user_id)
        if ticket.citizen_x_user_id is not None
        else Q(ticket_id=ticket.pk)
    )
    earlier = (
        TicketMessage.objects.filter(citizen, kind=MessageKind.ACKNOWLEDGEMENT)
        .filter(Q(delivery=Delivery.SENT) | Q(delivery=Delivery.SENDING, pk__lt=message.pk))
        .exclude(pk=message.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if earlier is not None:
        return ACK_ACKNOWLEDGED, earlier
    return None


def outbox_ack_keep(*, message_id: int) -> bool:
    """Just before the sender posts an acknowledgement: whether it is still worth sending. If not (its
    ticket is answered or closed, or its citizen was acknowledged in this conversation already), it is
    dropped: "dropped" with an ACK_DROPPED event, never sent. Any other message is kept as it is."""
    with transaction.atomic(durable=True):
        message = _locked_outbound(message_id)
        if message is None or message.delivery not in (Delivery.QUEUED, Delivery.SENDING):
            return False
        if message.kind != MessageKind.ACKNOWLEDGEMENT:
            return True
        needless = _ack_needless(message)
        if needless is None:
            return True
        reason, acknowledged_by = needless
        _drop_acks([message], reason=reason, acknowledged_by=acknowledged_by)
        logger.info("outbox: acknowledgement %s dropped: %s", message_id, reason)
        return False


# Enqueues a run of the sender; ingestion, which posts, registers it when its app is ready.
_sender_enqueue: Callable[[], object] | None = None


def outbox_sender_register(*, enqueue: Callable[[], object]) -> None:
    """Name the function that enqueues a run of the sender (ingestion's replies_send task)."""
    global _sender_enqueue  # noqa: PLW0603 - one hook per process, set once at start-up
    _sender_enqueue = enqueue


def outbox_sender_kick() -> None:
    """Ask a worker to run the sender now, unless a request is already waiting (the beat runs it anyway)."""
    if _sender_enqueue is None:
        logger.warning("outbox: no sender registered; queued replies wait for the beat")
        return
    if cache.add(SENDER_KICK_KEY, 1, timeout=30):
        _sender_enqueue()


# --- the sender's services ---------------------------------------------------------------------


def outbox_claim_due(
    *, limit: int, exclude_account_ids: Collection[int] = (), gates: BudgetGates | None = None
) -> list[int]:
    """Claim up to `limit` due messages, by rank (outbox_budget.SEND_RANK) then oldest due first, skipping the accounts
    in `exclude_account_ids` and what `gates` holds (outbox_budget_gates): each becomes "sending" with
    one more attempt, claimed now. One statement; rows another sender holds are skipped, so no message
    is claimed twice."""
    gates = gates or BudgetGates()
    if gates.app_paused_until is not None:
        return []
    now = timezone.now()
    params = {
        "sending": Delivery.SENDING,
        "queued": Delivery.QUEUED,
        "now": now,
        "excluded": sorted({*exclude_account_ids, *gates.paused}),
        "reply": MessageKind.REPLY,
        "incident": MessageKind.INCIDENT_RESOLUTION,
        "incident_everywhere": MessageKind.INCIDENT_RESOLUTION in gates.held_everywhere,
        "incident_held": sorted(gates.held.get(MessageKind.INCIDENT_RESOLUTION, ())),
        "ack": MessageKind.ACKNOWLEDGEMENT,
        "ack_everywhere": MessageKind.ACKNOWLEDGEMENT in gates.held_everywhere,
        "ack_held": sorted(gates.held.get(MessageKind.ACKNOWLEDGEMENT, ())),
        "limit": limit,
    }
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute(sql.CLAIM_DUE, params)
        return sorted(row[0] for row in cursor.fetchall())


def outbox_claim_stale(*, older_than: timedelta, limit: int) -> list[int]:
    """Claim up to `limit` messages left "sending" for longer than `older_than` (their sender died
    after handing them to X, or could not tell whether X posted them), claiming them anew now so
    that only one reconciler looks each up. The caller looks each up on X and then calls
    outbox_mark_sent (found) or outbox_mark_failed (not found: back to the queue)."""
    now = timezone.now()
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute(
            sql.CLAIM_STALE,
            [now, Delivery.SENDING, now - older_than, limit],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _locked_outbound(message_id: int) -> TicketMessage | None:
    return (
        TicketMessage.objects.select_for_update(of=("self",))
        .select_related("from_account")
        .filter(pk=message_id, direction=Direction.OUT)
        .first()
    )


def _fail(
    message: TicketMessage, *, error: str, permanent: bool | None = None, duplicate_tweet_id: int | None = None
) -> None:
    """Mark failed (lock held), with the parts of its thread that now can never follow it."""
    message.delivery, message.last_error, message.next_attempt_at = Delivery.FAILED, error, None
    message.save(update_fields=["delivery", "last_error", "next_attempt_at"])
    abandoned = []
    if message.thread_part < message.thread_parts:
        group = message.idempotency_key.rsplit("-", 1)[0]
        later = [
            _part_key(group, part, message.thread_parts)
            for part in range(message.thread_part + 1, 1 + message.thread_parts)
        ]
        abandoned = list(
            TicketMessage.objects.filter(
                ticket_id=message.ticket_id, idempotency_key__in=later, delivery=Delivery.QUEUED
            ).values_list("pk", flat=True)
        )
        TicketMessage.objects.filter(pk__in=abandoned).update(
            delivery=Delivery.FAILED, last_error=f"Part {message.thread_part} of this thread failed: {error}"
        )
    audit_events_append(
        [
            reply_failed_event(
                message=message,
                error=error,
                permanent=permanent,
                duplicate_tweet_id=duplicate_tweet_id,
                abandoned_message_ids=abandoned,
            )
        ]
    )


def outbox_mark_sent(*, message_id: int, tweet_id: int, sent_at: datetime, reconciled: bool = False) -> bool:
    """Record that X posted the message as `tweet_id`: REPLY_SENT, the thread's next part becomes due
    (in reply to this post), and an officer's reply (not the automatic acknowledgement) is the ticket's
    first response if it had none. Idempotent: true if the message is (now) sent as `tweet_id`.

    Our post may have echoed back through ingestion before this runs (a reconciled send): that copy,
    recorded as the department's own tweet, gives way to this message. If another of our messages holds
    the post (the same reply queued twice), this one fails as its duplicate.
    """
    with transaction.atomic(durable=True):
        message = _locked_outbound(message_id)
        if message is None:
            return False
        if message.delivery == Delivery.SENT:
            return message.tweet_id == tweet_id
        if message.delivery not in (Delivery.QUEUED, Delivery.SENDING):
            logger.warning(
                "outbox: message %s is %s, not recording it as sent as %s", message_id, message.delivery, tweet_id
            )
            return False
        now = timezone.now()
        holder = TicketMessage.objects.select_for_update().filter(tweet_id=tweet_id).exclude(pk=message.pk).first()
        replaced_echo = None
        if holder is not None:
            if (
                holder.kind == MessageKind.OFFICIAL_TWEET
                and not holder.idempotency_key
                and holder.ticket_id == message.ticket_id
            ):
                replaced_echo = holder.pk
                holder.delete()
            else:
                error = f"X already holds this post as message {holder.pk}: a duplicate reply."
                _fail(message, error=error, duplicate_tweet_id=tweet_id)
                return False
        message.delivery, message.tweet_id, message.sent_at = Delivery.SENT, tweet_id, sent_at
        message.last_error, message.next_attempt_at = "", None
        message.save(update_fields=["delivery", "tweet_id", "sent_at", "last_error", "next_attempt_at"])
        if message.thread_part < message.thread_parts:
            TicketMessage.objects.filter(
                ticket_id=message.ticket_id, idempotency_key=_next_part_key(message), delivery=Delivery.QUEUED
            ).update(in_reply_to_tweet_id=tweet_id, next_attempt_at=now)
        if message.kind != MessageKind.ACKNOWLEDGEMENT:
            Ticket.objects.filter(pk=message.ticket_id, first_responded_at__isnull=True).update(
                first_responded_at=sent_at
            )
        audit_events_append(
            [
                reply_sent_event(
                    message=message, tweet_id=tweet_id, reconciled=reconciled, replaced_echo_message_id=replaced_echo
                )
            ]
        )
    return True


def outbox_retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 15 s after the first attempt, doubling, at most 15 min."""
    ceiling = min(RETRY_CAP, RETRY_BASE * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + ceiling / 2 * random.random()  # noqa: S311 (jitter, not a secret)


def outbox_mark_failed(*, message_id: int, error: str, permanent: bool, retry_at: datetime | None = None) -> str:
    """Record a failed attempt. Permanent (or the MAX_ATTEMPTS-th): "failed", `error` shown on the
    message, REPLY_FAILED, and the later parts of its thread fail with it. Transient: back to "queued",
    due at `retry_at` or after outbox_retry_delay. Returns the message's delivery afterwards."""
    with transaction.atomic(durable=True):
        message = _locked_outbound(message_id)
        if message is None:
            raise TicketMessage.DoesNotExist(f"no outbound message {message_id}")
        if message.delivery not in (Delivery.QUEUED, Delivery.SENDING):
            return message.delivery
        now = timezone.now()
        if permanent or message.attempts >= MAX_ATTEMPTS:
            reason = error if permanent else f"Gave up after {message.attempts} attempts: {error}"
            _fail(message, error=reason, permanent=permanent)
        else:
            message.delivery, message.last_error = Delivery.QUEUED, error
            message.next_attempt_at = retry_at or now + outbox_retry_delay(message.attempts)
            message.save(update_fields=["delivery", "last_error", "next_attempt_at"])
        return message.delivery


def outbox_release(*, message_ids: Collection[int], retry_at: datetime, reason: str = "") -> int:
    """Give back claimed messages that were not sent because their account is rate-limited: "queued"
    again, due at `retry_at`, and the claim's attempt does not count. Returns how many were released."""
    with transaction.atomic(durable=True):
        return TicketMessage.objects.filter(pk__in=list(message_ids), delivery=Delivery.SENDING).update(
            delivery=Delivery.QUEUED,
            attempts=Greatest(F("attempts") - 1, 0),
            next_attempt_at=retry_at,
            last_error=reason,
        )
