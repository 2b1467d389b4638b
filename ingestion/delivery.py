"""Posting the outbox to X: the ingestion side of outbound replies (tickets.services.outbox is the other).

The sender claims one due message at a time (so a claim is never older than the post it leads
to), posts it from its official account in reply to its tweet, and records what X answered:

- posted: sent, with X's id. What the answer's headers say is left of the account's 15-minute
  window and the app's 24-hour one is recorded (tickets.posting_budget, in Redis, so every
  sender sees it); none left pauses the account (or the app) until the reset. Missing or garbled
  headers record nothing: that window counts as full until X says otherwise.
- 429: not sent; the message goes back to the queue, due at the reset, and the account (or, when the
  app's 24-hour window is spent, every account) is paused until then.
- usage cap: the message fails (shown on its ticket) and all sending stops for a while: the cap is
  the app's, so every other message would fail the same way.
- duplicate content: fails, unless X already has this very reply (an earlier attempt of ours).
- not summoned, bad request, forbidden: fails, not retried. Unauthorized with a stored token: the
  token is treated as expired (renewed before the next try) and the message retried.
- the account's credentials cannot post (a failed refresh, X refused the refresh token: see its
  credential in the admin): not sent, back in the queue without spending an attempt, and the
  account is skipped for the rest of the run; it is sent once the account is connected again.
- an answer that never came (timeout, dropped connection, 5xx): the post may exist, so it is looked
  up before anything else; found, it is recorded as sent; not found, it is retried after a backoff;
  if the lookup fails too, the message stays "sending" for `replies_reconcile`.

Running two senders at once, or one twice, never posts a message twice: a message is posted only by
the sender that claimed it (SELECT ... FOR UPDATE SKIP LOCKED).

Before each claim the sender asks the outbox what the budget allows (outbox_budget_gates): officers'
replies first, incident resolutions next, acknowledgements last and never out of the posts a waiting
reply needs. An acknowledgement is checked once more just before it is posted (outbox_ack_keep) and
dropped if its ticket was answered meanwhile or its citizen was acknowledged in the conversation.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from ingestion.credentials.services import (
    CredentialUnavailable,
    account_credential_expire,
    posting_token_get,
)
from ingestion.x_client import (
    DuplicateContent,
    OAuth1Pair,
    PostedTweet,
    RateLimit,
    RateLimited,
    TransientError,
    Unauthorized,
    UsageCapped,
    XApiError,
    XClient,
    XConfigurationError,
)
from tickets.models import Delivery, MessageKind, TicketMessage
from tickets.posting_budget import (
    posting_budget_record,
    posting_budget_spend_all,
    posting_budgets_get,
)
from tickets.services.outbox import (
    outbox_ack_keep,
    outbox_claim_due,
    outbox_claim_stale,
    outbox_mark_failed,
    outbox_mark_sent,
    outbox_release,
)
from tickets.services.outbox_budget import outbox_budget_gates

logger = logging.getLogger(__name__)

# How long to pause an account after a 429 that carried no x-rate-limit-reset.
DEFAULT_RATE_LIMIT_PAUSE = timedelta(seconds=60)
# How long to stop all sending after X answered "usage cap exceeded" (X names no reset for it).
USAGE_CAP_PAUSE = timedelta(hours=1)
# A message "sending" for longer than this lost its sender (posts time out after 10 s).
STALE_AFTER = timedelta(minutes=2)
# A reply whose account cannot post (its credentials need a refresh that failed, or connecting
# again) is tried again after this.
CREDENTIAL_RETRY = timedelta(minutes=1)

_USAGE_CAP_KEY = "outbox:usage-capped"


@dataclass(slots=True)
class SendSummary:
    claimed: int = 0
    sent: int = 0
    reconciled: int = 0  # posted by an attempt whose answer was lost, found on X and recorded
    retrying: int = 0  # back in the queue after a transient error
    deferred: int = 0  # back in the queue because the account is rate-limited
    waiting_for_credentials: int = 0  # back in the queue: the account's credentials cannot post now
    failed: int = 0
    uncertain: int = 0  # left "sending": whether X posted it could not be told yet
    dropped: int = 0  # acknowledgements no longer useful: never sent
    sent_by_kind: dict[str, int] = field(default_factory=dict)
    paused_accounts: list[str] = field(default_factory=list)
    app_paused_until: datetime | None = None  # the app's 24-hour window is spent
    usage_capped: bool = False

    def __str__(self) -> str:
        text = (
            f"claimed {self.claimed}, sent {self.sent}, reconciled {self.reconciled}, retrying {self.retrying}, "
            f"deferred {self.deferred}, failed {self.failed}, uncertain {self.uncertain}, "
            f"acknowledgements dropped {self.dropped}"
        )
        if self.waiting_for_credentials:
            text += f"; waiting for the account's credentials {self.waiting_for_credentials}"
        if self.paused_accounts:
            text += f"; rate-limited: {', '.join('@' + handle for handle in self.paused_accounts)}"
        if self.app_paused_until is not None:
            text += f"; the app's 24-hour posting limit is spent until {self.app_paused_until.isoformat()}"
        if self.usage_capped:
            text += "; X usage cap reached, sending paused"
        return text


@dataclass(slots=True)
class ReconcileSummary:
    checked: int = 0
    found: int = 0  # posted after all: recorded as sent
    requeued: int = 0  # not on X: back in the queue
    failed: int = 0
    unresolved: int = 0  # the lookup failed; checked again later

    def __str__(self) -> str:
        return (
            f"checked {self.checked}, found posted {self.found}, requeued {self.requeued}, failed {self.failed}, "
            f"unresolved {self.unresolved}"
        )


# --- pauses, shared by every sender through the cache ------------------------------------------


def account_pause(*, account_id: int, until: datetime) -> None:
    """Nothing more from this account until `until` (its budget is spent)."""
    if until > timezone.now():
        posting_budget_spend_all(account_id=account_id, until=until)


def accounts_paused(*, account_ids: Iterable[int]) -> dict[int, datetime]:
    """The accounts among `account_ids` that are paused (nothing left in their window), with when it resets."""
    now = timezone.now()
    return {
        account_id: budget.reset_at
        for account_id, budget in posting_budgets_get(account_ids=account_ids).items()
        if budget.spent(now)
    }


def _record_budget(*, account_id: int | None, window: RateLimit | None) -> None:
    if window is not None:
        posting_budget_record(
            account_id=account_id, limit=window.limit, remaining=window.remaining, reset_at=window.reset
        )


def usage_cap_pause(*, until: datetime | None) -> None:
    """Stop all sending until `until` (None: lift the pause)."""
    if until is None:
        cache.delete(_USAGE_CAP_KEY)
    else:
        cache.set(_USAGE_CAP_KEY, until.timestamp(), timeout=max(1, int((until - timezone.now()).total_seconds())))


def usage_capped() -> bool:
    return cache.get(_USAGE_CAP_KEY) is not None


# --- sending -----------------------------------------------------------------------------------


def _load(message_id: int) -> TicketMessage:
    return TicketMessage.objects.select_related("from_account").get(pk=message_id)


def _find_posted(client: XClient, message: TicketMessage, token: str | OAuth1Pair | None) -> PostedTweet | None:
    return client.find_posted_reply(
        message.text, message.in_reply_to_tweet_id, message.from_account.handle, token=token
    )


class _Sender:
    def __init__(self, client: XClient) -> None:
        self.client = client
        self.summary = SendSummary()
        self.stop = False
        # Accounts whose credentials cannot post in this run: their messages are not claimed again.
        self.accounts_without_credentials: set[int] = set()

    def pause(self, message: TicketMessage, until: datetime) -> None:
        until = max(until, timezone.now() + timedelta(seconds=1))
        account_pause(account_id=message.from_account_id, until=until)
        if message.from_account.handle not in self.summary.paused_accounts:
            self.summary.paused_accounts.append(message.from_account.handle)
        logger.info("outbox: @%s is rate-limited until %s", message.from_account.handle, until.isoformat())

    def failed(self, message: TicketMessage, error: Exception, *, permanent: bool) -> None:
        delivery = outbox_mark_failed(message_id=message.pk, error=str(error), permanent=permanent)
        if delivery == Delivery.FAILED:
            self.summary.failed += 1
            logger.warning("outbox: message %s failed: %s", message.pk, error)
        else:
            self.summary.retrying += 1

    def sent(self, message: TicketMessage, posted: PostedTweet, *, reconciled: bool) -> None:
        recorded = outbox_mark_sent(
            message_id=message.pk, tweet_id=int(posted.id), sent_at=timezone.now(), reconciled=reconciled
        )
        if not recorded:
            self.summary.failed += 1
        elif reconciled:
            self.summary.reconciled += 1
        else:
            self.summary.sent += 1

    def send(self, message: TicketMessage) -> None:
        if message.in_reply_to_tweet_id is None:
            self.failed(message, XApiError("There is no tweet to reply to."), permanent=True)
            return
        try:
            token = posting_token_get(account_id=message.from_account_id)
        except CredentialUnavailable as error:
            # Not the message's fault: it waits, without spending an attempt, until the account can post.
            self.accounts_without_credentials.add(message.from_account_id)
            outbox_release(message_ids=[message.pk], retry_at=timezone.now() + CREDENTIAL_RETRY, reason=str(error))
            self.summary.waiting_for_credentials += 1
            logger.warning("outbox: message %s waits: %s", message.pk, error)
            return
        self.post(message, token)

    def post(self, message: TicketMessage, token: str | OAuth1Pair | None) -> None:
        try:
            posted = self.client.create_tweet(
                message.text, message.in_reply_to_tweet_id, message.from_account.handle, token=token
            )
        except RateLimited as error:
            until = max(error.reset_at or timezone.now() + DEFAULT_RATE_LIMIT_PAUSE, timezone.now())
            if error.app_wide:
                # The app's 24-hour window: no account can post until it resets.
                posting_budget_spend_all(account_id=None, until=until)
                self.summary.app_paused_until, self.stop = until, True
                logger.warning("outbox: the app's 24-hour posting limit is spent until %s", until.isoformat())
            else:
                self.pause(message, until)
                _record_budget(account_id=None, window=error.app_rate_limit)
            outbox_release(message_ids=[message.pk], retry_at=until, reason=str(error))
            self.summary.deferred += 1
        except UsageCapped as error:
            logger.exception("outbox: X's usage cap is reached; no replies go out for %s", USAGE_CAP_PAUSE)
            usage_cap_pause(until=timezone.now() + USAGE_CAP_PAUSE)
            self.summary.usage_capped, self.stop = True, True
            self.failed(message, error, permanent=True)
        except DuplicateContent as error:
            # X refuses the same text twice: maybe an earlier attempt of ours was posted after all.
            self.settle_uncertain(message, error, token, on_not_found="fail")
        except TransientError as error:
            if error.may_have_taken_effect:
                self.settle_uncertain(message, error, token, on_not_found="retry")
            else:
                self.failed(message, error, permanent=False)
        except Unauthorized as error:
            if token is None:
                self.failed(message, error, permanent=True)
            else:
                # A stored token refused before its expiry (revoked, or X ended it early): renew it first.
                account_credential_expire(account_id=message.from_account_id)
                self.failed(message, error, permanent=False)
        except XApiError as error:
            self.failed(message, error, permanent=error.permanent)
        except XConfigurationError as error:
            # No token for this account yet: retried with backoff, so a fixed configuration still sends it.
            logger.exception("outbox: cannot post message %s", message.pk)
            self.failed(message, error, permanent=False)
        else:
            self.sent(message, posted, reconciled=False)
            self.summary.sent_by_kind[message.kind] = self.summary.sent_by_kind.get(message.kind, 0) + 1
            _record_budget(account_id=message.from_account_id, window=posted.rate_limit)
            _record_budget(account_id=None, window=posted.app_rate_limit)
            limit = posted.rate_limit
            if limit is not None and limit.remaining <= 0:
                self.pause(message, limit.reset)

    def settle_uncertain(
        self, message: TicketMessage, error: XApiError, token: str | OAuth1Pair | None, *, on_not_found: str
    ) -> None:
        try:
            found = _find_posted(self.client, message, token)
        except XApiError as lookup_error:
            # Neither answer is known: leave it "sending" for replies_reconcile to look up later.
            logger.warning(
                "outbox: message %s may have been posted (%s); lookup failed: %s", message.pk, error, lookup_error
            )
            self.summary.uncertain += 1
            return
        if found is not None:
            self.sent(message, found, reconciled=True)
        else:
            self.failed(message, error, permanent=on_not_found == "fail")


def replies_send_due(*, client: XClient | None = None, limit: int = 50) -> SendSummary:
    """Post up to `limit` due outbox messages. Safe to run concurrently and twice."""
    own_client = client is None
    client = client or XClient()
    sender = _Sender(client)
    try:
        if usage_capped():
            sender.summary.usage_capped = True
            return sender.summary
        while sender.summary.claimed < limit and not sender.stop:
            # Asked again before every claim: each post changes what is left and what waits.
            gates = outbox_budget_gates()
            if gates.app_paused_until is not None:
                sender.summary.app_paused_until = gates.app_paused_until
                break
            claimed = outbox_claim_due(limit=1, exclude_account_ids=sender.accounts_without_credentials, gates=gates)
            if not claimed:
                break
            sender.summary.claimed += 1
            message = _load(claimed[0])
            if message.kind == MessageKind.ACKNOWLEDGEMENT and not outbox_ack_keep(message_id=message.pk):
                sender.summary.dropped += 1
                continue
            sender.send(message)
    finally:
        if own_client:
            client.close()
    return sender.summary


def replies_reconcile(
    *, client: XClient | None = None, older_than: timedelta = STALE_AFTER, limit: int = 50
) -> ReconcileSummary:
    """Settle messages left "sending" for longer than `older_than`: a sender died after handing them
    to X, or could not tell whether X posted them. Each is looked up on X, never re-sent from here:
    found, it is recorded as sent with X's id; not found, it goes back to the queue."""
    own_client = client is None
    client = client or XClient()
    summary = ReconcileSummary()
    try:
        while summary.checked < limit:
            claimed = outbox_claim_stale(older_than=older_than, limit=1)
            if not claimed:
                break
            summary.checked += 1
            message = _load(claimed[0])
            try:
                found = (
                    _find_posted(client, message, posting_token_get(account_id=message.from_account_id))
                    if message.in_reply_to_tweet_id is not None
                    else None
                )
            except (XApiError, XConfigurationError) as error:
                if getattr(error, "permanent", False):
                    error_text = f"Could not check on X whether this reply was posted: {error}"
                    outbox_mark_failed(message_id=message.pk, error=error_text, permanent=True)
                    summary.failed += 1
                else:
                    summary.unresolved += 1  # still "sending", claimed now: looked up again after older_than
                continue
            if found is not None:
                outbox_mark_sent(
                    message_id=message.pk, tweet_id=int(found.id), sent_at=timezone.now(), reconciled=True
                )
                summary.found += 1
            else:
                delivery = outbox_mark_failed(
                    message_id=message.pk,
                    error="The sender stopped before X answered, and X has no such post.",
                    permanent=False,
                    retry_at=timezone.now(),
                )
                if delivery == Delivery.FAILED:
                    summary.failed += 1
                else:
                    summary.requeued += 1
    finally:
        if own_client:
            client.close()
    return summary
