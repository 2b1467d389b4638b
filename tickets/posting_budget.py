"""The posting budget: what X says each official account, and the app, may still post (DESIGN "Posting budget").

X says it in the headers of every answer to POST /2/tweets (X_API.md 5): x-rate-limit-* is the
account's 15-minute window, x-app-limit-24hour-* the app's 24-hour one. The sender records them
here after each post (and a 429 as "nothing left until the reset"); the outbox's claims read them to
spend what is left by rank (tickets.services.outbox.outbox_budget_gates); the dashboard shows them.

Kept in Redis (the cache), not in a table: it is X's word, true only until the window's reset,
written after every post by every sender and read before every claim, and a lost copy costs
nothing (a window we know nothing of counts as full, and the next answer tells again). Keys:

    outbox:budget:account:<official account id>   [limit, remaining, reset, observed] (Unix seconds)
    outbox:budget:app                              the same, for the app's 24-hour window

Each is kept a day past its reset, so the dashboard still knows the window's size after it resets.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

ACCOUNT_BUDGET_KEY = "outbox:budget:account:{}"
APP_BUDGET_KEY = "outbox:budget:app"
_KEPT_AFTER_RESET = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PostingBudget:
    """One window as X last reported it."""

    limit: int
    remaining: int
    reset_at: datetime
    observed_at: datetime

    def current(self, now: datetime) -> bool:
        """Whether the window X reported is still running (after its reset it is full again)."""
        return now < self.reset_at

    def left(self, now: datetime) -> int:
        return self.remaining if self.current(now) else self.limit

    def used(self, now: datetime) -> int:
        return self.limit - self.left(now)

    def spent(self, now: datetime) -> bool:
        return self.current(now) and self.remaining <= 0


def _key(account_id: int | None) -> str:
    return APP_BUDGET_KEY if account_id is None else ACCOUNT_BUDGET_KEY.format(account_id)


def _decode(value: object) -> PostingBudget | None:
    try:
        limit, remaining, reset, observed = value  # type: ignore[misc]
        return PostingBudget(
            limit=int(limit),
            remaining=int(remaining),
            reset_at=datetime.fromtimestamp(reset, tz=UTC),
            observed_at=datetime.fromtimestamp(observed, tz=UTC),
        )
    except (TypeError, ValueError, OverflowError, OSError):
        return None  # not ours, or from an older layout: as good as unknown


def posting_budget_record(*, account_id: int | None, limit: int | None, remaining: int, reset_at: datetime) -> None:
    """Record what X said is left: of the account `account_id`'s window, or the app's (None). A `limit`
    of None (a 429 that named none) keeps the size last known."""
    now = timezone.now()
    if limit is None:
        known = posting_budget_get(account_id=account_id)
        limit = known.limit if known is not None else remaining
    seconds = (reset_at - now + _KEPT_AFTER_RESET).total_seconds()
    if seconds > 0:
        value = [limit, max(remaining, 0), reset_at.timestamp(), now.timestamp()]
        cache.set(_key(account_id), value, timeout=int(seconds) + 1)


def posting_budget_spend_all(*, account_id: int | None, until: datetime) -> None:
    """Nothing is left until `until` (a 429, or an answer with none remaining): the account, or the app, pauses."""
    posting_budget_record(account_id=account_id, limit=None, remaining=0, reset_at=until)


def posting_budget_forget(*, account_ids: Iterable[int], app: bool = True) -> None:
    """Forget what X said (as if every window had reset): for tests and a fresh demo."""
    keys = [_key(account_id) for account_id in account_ids] + ([APP_BUDGET_KEY] if app else [])
    cache.delete_many(keys)


def posting_budget_get(*, account_id: int | None) -> PostingBudget | None:
    return _decode(cache.get(_key(account_id)))


def posting_budgets_get(*, account_ids: Iterable[int]) -> dict[int, PostingBudget]:
    """The windows X reported for these accounts (one cache round trip); accounts X said nothing of are missing."""
    keys = {_key(account_id): account_id for account_id in account_ids}
    found = {}
    for key, value in cache.get_many(list(keys)).items():
        budget = _decode(value)
        if budget is not None:
            found[keys[key]] = budget
    return found
