"""The recent-search door: poll each tracked query for what is new since its cursor (X_API.md 3, 5).

Pages are stored as they arrive, newest first. Only once the last page is stored does the cursor move
to the first page's `newest_id`, so a run that fails part way loses nothing: the next run asks again and
what was already stored is a duplicate. A run that stops part way (the page cap, a 429, an error)
also keeps its `next_token` in the cache, and the next run goes on from there (X's tokens do not expire):
otherwise a backlog longer than one rate-limit window would be asked for from its start forever.

A 429 pauses every query until X's reset time; a usage cap pauses polling for an hour and is logged as
an error, since only an operator can lift it. The pause lives in the cache: a Celery task must not sleep.
"""

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from django.core.cache import cache
from django.utils import timezone

from ingestion.doors.x_queries import TrackedQuery, tracked_queries
from ingestion.inbox import inbox_store
from ingestion.models import Door
from ingestion.parsing import parse_document
from ingestion.services import poll_cursor_open, poll_cursor_record
from ingestion.x_client import RateLimited, SearchPage, UsageCapped, XApiError, XClient

logger = logging.getLogger(__name__)

PAUSE_KEY = "ingestion:search:paused"
RESUME_KEY_PREFIX = "ingestion:search:resume:"
RESUME_TIMEOUT = 7 * 24 * 3600  # recent search reaches back 7 days; an older token is worth nothing
# Without x-rate-limit-reset: X's windows are 15 minutes long, so by then this one has surely reset.
RATE_LIMIT_WINDOW = timedelta(minutes=15)
USAGE_CAP_PAUSE = timedelta(hours=1)
# Per query and run: 1,000 tweets a minute each, and one query's backlog cannot starve the others.
MAX_PAGES_PER_QUERY = 10


class QueryStatus(StrEnum):
    DONE = "done"  # every page stored; the cursor moved on
    MORE = "more"  # the page cap was reached; the next run goes on from here
    RATE_LIMITED = "rate_limited"  # X answered 429: every query waits for the reset
    USAGE_CAPPED = "usage_capped"  # the app's spend cap is reached: polling pauses, an operator must act
    FAILED = "failed"  # any other error; the next run tries again
    PAUSED = "paused"  # not asked: polling is paused after a 429 or a usage cap


@dataclass(slots=True)
class QueryPoll:
    tag: str
    query: str
    status: QueryStatus = QueryStatus.DONE
    pages: int = 0
    received: int = 0  # tweets in the pages, duplicates included
    new: int = 0  # tweets the inbox did not have
    duplicates: int = 0
    dead_letters: int = 0
    since_id: int | None = None  # the cursor after this run
    error: str = ""


@dataclass(frozen=True, slots=True)
class SearchPause:
    until: datetime
    reason: str


@dataclass(slots=True)
class PollSummary:
    queries: list[QueryPoll] = field(default_factory=list)
    pause: SearchPause | None = None  # set when polling is paused after this run

    @property
    def received(self) -> int:
        return sum(poll.received for poll in self.queries)

    @property
    def new(self) -> int:
        return sum(poll.new for poll in self.queries)


def search_pause() -> SearchPause | None:
    """Why and until when recent search is paused, if it is."""
    paused = cache.get(PAUSE_KEY)
    return SearchPause(*paused) if paused else None


def search_poll(
    *, client: XClient | None = None, max_results: int = 100, max_pages: int = MAX_PAGES_PER_QUERY
) -> PollSummary:
    """Ask recent search once per tracked query for what is new, and store it in the inbox."""
    summary = PollSummary(pause=search_pause())
    owned_client = client is None
    client = client or XClient()
    try:
        for tracked in tracked_queries():
            if summary.pause is not None:
                summary.queries.append(QueryPoll(tracked.tag, tracked.query, status=QueryStatus.PAUSED))
                continue
            poll = _poll_query(client, tracked, max_results=max_results, max_pages=max_pages)
            summary.queries.append(poll)
            if poll.status in (QueryStatus.RATE_LIMITED, QueryStatus.USAGE_CAPPED):
                summary.pause = search_pause()
    finally:
        if owned_client:
            client.close()
    return summary


def _poll_query(client: XClient, tracked: TrackedQuery, *, max_results: int, max_pages: int) -> QueryPoll:
    cursor = poll_cursor_open(query_key=tracked.key, query=tracked.query)
    poll = QueryPoll(tracked.tag, tracked.query, since_id=cursor.since_id)
    resume_key = RESUME_KEY_PREFIX + tracked.key
    next_token, newest_id = _resumed(cache.get(resume_key), cursor.since_id)
    try:
        while True:
            page = client.search_recent(
                tracked.query, since_id=cursor.since_id, next_token=next_token, max_results=max_results
            )
            _store_page(page, poll)
            newest_id = newest_id or page.newest_id  # the first page's: the newest match since the cursor
            next_token = page.next_token
            if next_token is None:
                break
            if poll.pages >= max_pages:
                poll.status = QueryStatus.MORE
                break
    except XApiError as error:
        _record_failure(poll, error)

    now = timezone.now()
    if poll.status is not QueryStatus.DONE:
        if next_token is not None:
            state = {"since_id": cursor.since_id, "next_token": next_token, "newest_id": newest_id}
            cache.set(resume_key, state, timeout=RESUME_TIMEOUT)
        poll_cursor_record(cursor_id=cursor.pk, polled_at=now, error=poll.error)
        return poll
    cache.delete(resume_key)
    if newest_id is None:
        poll_cursor_record(cursor_id=cursor.pk, polled_at=now)
        return poll
    newest = int(newest_id)
    poll_cursor_record(cursor_id=cursor.pk, polled_at=now, newest_id=newest)
    poll.since_id = max(cursor.since_id or 0, newest)
    return poll


def _resumed(state: dict | None, since_id: int | None) -> tuple[str | None, str | None]:
    """The next_token and first newest_id of a run that stopped part way, if it ran from this cursor."""
    if state is None or state.get("since_id") != since_id:
        return None, None
    return state["next_token"], state["newest_id"]


def _store_page(page: SearchPage, poll: QueryPoll) -> None:
    parsed = parse_document(page.raw)
    stored = inbox_store(tweets=parsed.tweets, dead_letters=parsed.dead_letters, door=Door.SEARCH)
    poll.pages += 1
    poll.received += len(parsed.tweets)
    poll.new += len(stored.new)
    poll.duplicates += stored.duplicates
    poll.dead_letters += stored.dead_letters
    if page.errors:
        # Partial errors (a deleted referenced tweet, a suspended author) come along with the data.
        logger.info("recent search %s: page %d came with %d partial errors", poll.tag, poll.pages, len(page.errors))


def _record_failure(poll: QueryPoll, error: XApiError) -> None:
    now = timezone.now()
    if isinstance(error, RateLimited):
        until = error.reset_at + timedelta(seconds=1) if error.reset_at else now + RATE_LIMIT_WINDOW
        _pause_polling(until, str(error))
        poll.status, poll.error = QueryStatus.RATE_LIMITED, f"{error} (polling resumes at {until:%H:%M:%S} UTC)"
        logger.warning("recent search %s: %s", poll.tag, poll.error)
    elif isinstance(error, UsageCapped):
        _pause_polling(now + USAGE_CAP_PAUSE, str(error))
        poll.status, poll.error = QueryStatus.USAGE_CAPPED, str(error)
        logger.error(
            "recent search %s: X usage cap reached, polling pauses for %s: %s", poll.tag, USAGE_CAP_PAUSE, error
        )
    else:
        poll.status, poll.error = QueryStatus.FAILED, str(error)
        log = logger.error if error.permanent else logger.warning
        log("recent search %s failed: %s", poll.tag, error)


def _pause_polling(until: datetime, reason: str) -> None:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    cache.set(PAUSE_KEY, (until, reason), timeout=seconds)
