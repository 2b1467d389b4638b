"""The recent-search door: poll each tracked query for what is new since its cursor (X_API.md 3, 5).

Pages are stored as they arrive, newest first. Only once the last page is stored does the cursor move
to the first page's `newest_id`, so a run that fails part way loses nothing: the next run asks again and
what was already stored is a duplicate. A run that stops part way (the page cap, a 429, an error)
also keeps its `next_token` in the cache, and the next run goes on from there (X's tokens do not expire):
otherwise a backlog longer than one rate-limit window would be asked for from its start forever.

A 429 pauses every query until X's reset time; a usage cap pauses polling for an hour and is logged as
an error, since only an operator can lift it. The pause lives in the cache: a Celery task must not sleep.

The app's budget (about 450 requests per 15 minutes) is far less than a request per query per minute
once there are hundreds of queries, so each run spends only its share (`search_budget`: what X's
x-rate-limit-* headers say is left, spread over the runs until the reset, never more than the plan's
setting) and `search_schedule` chooses who gets it: a fair share to the queries polled longest ago, so
every query is polled at least once per cycle, the rest to those with the most tweets expected since
their last poll (or a backlog still to page through). A query whose turn comes late loses nothing: its
`since_id` asks for everything since.
"""

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from ingestion.doors.x_queries import TrackedQuery, query_terms, tracked_queries
from ingestion.inbox import inbox_store
from ingestion.models import Door, PollCursor
from ingestion.parsing import parse_document
from ingestion.services import poll_cursor_open, poll_cursor_record
from ingestion.x_client import RateLimit, RateLimited, SearchPage, UsageCapped, XApiError, XClient

logger = logging.getLogger(__name__)

PAUSE_KEY = "ingestion:search:paused"
RESUME_KEY_PREFIX = "ingestion:search:resume:"
BUDGET_KEY = "ingestion:search:budget"  # the last x-rate-limit-* X sent: (limit, remaining, reset as Unix time)
RESUME_TIMEOUT = 7 * 24 * 3600  # recent search reaches back 7 days; an older token is worth nothing
# Without x-rate-limit-reset: X's windows are 15 minutes long, so by then this one has surely reset.
RATE_LIMIT_WINDOW = timedelta(minutes=15)
USAGE_CAP_PAUSE = timedelta(hours=1)
# Per query and run: 1,000 tweets a minute each, and one query's backlog cannot starve the others.
MAX_PAGES_PER_QUERY = 10
# A query's rate is smoothed: the new figure counts this much against the old.
RATE_WEIGHT = 0.5
LAGGING_SHOWN = 5
_SNOWFLAKE_EPOCH_MS = 1288834974657
_NEVER = datetime.min.replace(tzinfo=UTC)


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
    requests: int = 0  # requests made, refused ones included: what the budget paid
    previously_polled_at: datetime | None = None  # the poll before this one: how long it waited

    @property
    def newest_tweet_at(self) -> datetime | None:
        return tweet_time(self.since_id)


@dataclass(frozen=True, slots=True)
class QueryLag:
    """A query not polled in this run, and how far behind it is."""

    tag: str
    query: str
    polled_at: datetime | None
    newest_tweet_at: datetime | None  # the newest tweet it has seen, from its since_id


@dataclass(frozen=True, slots=True)
class SearchPause:
    until: datetime
    reason: str


@dataclass(slots=True)
class PollSummary:
    queries: list[QueryPoll] = field(default_factory=list)  # those this run chose, in the order polled
    pause: SearchPause | None = None  # set when polling is paused after this run
    tracked: int = 0  # queries in all
    budget: int = 0  # requests this run could spend
    cycle: timedelta | None = None  # at most this long before every query has had its turn again
    lagging: list[QueryLag] = field(default_factory=list)  # the queries waiting longest, not polled now

    @property
    def requests(self) -> int:
        return sum(poll.requests for poll in self.queries)

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


def tweet_time(tweet_id: int | None) -> datetime | None:
    """When a tweet was posted, read from its (snowflake) id."""
    if not tweet_id:
        return None
    return datetime.fromtimestamp(((tweet_id >> 22) + _SNOWFLAKE_EPOCH_MS) / 1000, tz=UTC)


def search_plan_share() -> int:
    """Requests a run may spend on the plan: X_SEARCH_REQUESTS_PER_WINDOW spread over the window's runs."""
    per_window, window = settings.X_SEARCH_REQUESTS_PER_WINDOW, settings.X_SEARCH_WINDOW_SECONDS
    return max(1, per_window * settings.X_SEARCH_POLL_INTERVAL_SECONDS // window)


def search_budget(now: datetime | None = None) -> int:
    """Requests this run may spend: what is left of the window (X's headers, within the plan's
    X_SEARCH_REQUESTS_PER_WINDOW) spread over the runs until its reset; the plan's share per run when X
    has not told us yet or the window has reset since."""
    now = now or timezone.now()
    seen = cache.get(BUDGET_KEY)
    if seen is None or seen[2] <= now.timestamp():
        return search_plan_share()
    per_window, interval = settings.X_SEARCH_REQUESTS_PER_WINDOW, settings.X_SEARCH_POLL_INTERVAL_SECONDS
    limit, remaining, reset = seen
    left = max(0, min(per_window, limit) - (limit - remaining))  # another client of the app may spend too
    runs_left = max(1, math.ceil((reset - now.timestamp()) / interval))
    return min(left, math.ceil(left / runs_left))


def search_schedule(
    queries: Sequence[TrackedQuery],
    cursors: Mapping[str, PollCursor],
    *,
    budget: int,
    backlogged: frozenset[str] = frozenset(),
    now: datetime,
) -> list[TrackedQuery]:
    """The queries to poll in this run, best first, at most `budget` of them: X_SEARCH_FAIR_SHARE of the
    budget to those polled longest ago (never polled first), then those with a backlog (`backlogged`
    keys) or the most tweets expected since their last poll, then again the longest waiting."""

    def polled_at(query: TrackedQuery) -> datetime:
        cursor = cursors.get(query.key)
        return cursor.polled_at if cursor is not None and cursor.polled_at is not None else _NEVER

    fair_order = sorted(queries, key=polled_at)  # stable: ties keep the queries' own order
    if len(fair_order) <= budget:
        return fair_order
    fair = max(1, math.ceil(budget * settings.X_SEARCH_FAIR_SHARE))
    chosen, rest = fair_order[:fair], fair_order[fair:]

    def expected(query: TrackedQuery) -> float:
        if query.key in backlogged:
            return math.inf
        cursor = cursors.get(query.key)
        if cursor is None or cursor.polled_at is None:
            return 0.0
        return cursor.tweets_per_hour * (now - cursor.polled_at).total_seconds() / 3600

    busy = sorted((query for query in rest if expected(query) >= 1), key=expected, reverse=True)
    chosen += busy[: budget - fair]
    taken = {query.key for query in chosen}
    chosen += [query for query in rest if query.key not in taken][: budget - len(chosen)]
    return chosen


def search_cycle(queries: int, budget: int | None = None) -> timedelta:
    """The longest a query waits for its turn at `budget` requests a run (the plan's share by default),
    one page a query: the fair share alone goes round every query in this many runs."""
    budget = search_plan_share() if budget is None else budget
    interval = settings.X_SEARCH_POLL_INTERVAL_SECONDS
    if queries <= budget:
        return timedelta(seconds=interval)
    fair = max(1, math.ceil(budget * settings.X_SEARCH_FAIR_SHARE))
    return timedelta(seconds=interval * math.ceil(queries / fair))


def search_poll(
    *,
    client: XClient | None = None,
    max_results: int = 100,
    max_pages: int = MAX_PAGES_PER_QUERY,
    queries: Sequence[TrackedQuery] | None = None,
    now: datetime | None = None,
) -> PollSummary:
    """Spend this run's share of the budget on the queries whose turn it is, and store what is new."""
    now = now or timezone.now()
    tracked = tracked_queries() if queries is None else list(queries)
    cursors = {
        cursor.query_key: cursor for cursor in PollCursor.objects.filter(query_key__in=[q.key for q in tracked])
    }
    resumes = cache.get_many([RESUME_KEY_PREFIX + query.key for query in tracked])
    backlogged = frozenset(key.removeprefix(RESUME_KEY_PREFIX) for key in resumes)
    budget = search_budget(now)
    summary = PollSummary(pause=search_pause(), tracked=len(tracked), budget=budget)
    summary.cycle = search_cycle(len(tracked))
    # Paused, the queries whose turn it would be are listed as such.
    chosen = search_schedule(tracked, cursors, budget=max(budget, 1), backlogged=backlogged, now=now)
    inherited = _inherited_since_ids([query for query in chosen if query.key not in cursors], now)
    owned_client = client is None
    client = client or XClient()
    try:
        for query in chosen:
            if summary.pause is not None:
                summary.queries.append(QueryPoll(query.tag, query.query, status=QueryStatus.PAUSED))
                continue
            left = budget - summary.requests
            if left <= 0:
                break
            poll = _poll_query(
                client,
                query,
                cursors.get(query.key)
                or poll_cursor_open(query_key=query.key, query=query.query, since_id=inherited.get(query.key)),
                resumes.get(RESUME_KEY_PREFIX + query.key),
                max_results=max_results,
                max_pages=min(max_pages, left),
                now=now,
            )
            summary.queries.append(poll)
            if poll.status in (QueryStatus.RATE_LIMITED, QueryStatus.USAGE_CAPPED):
                summary.pause = search_pause()
    finally:
        if owned_client:
            client.close()
    polled = {poll.query for poll in summary.queries if poll.status is not QueryStatus.PAUSED}
    waiting = sorted(
        (query for query in tracked if query.query not in polled),
        key=lambda query: getattr(cursors.get(query.key), "polled_at", None) or _NEVER,
    )
    for query in waiting[:LAGGING_SHOWN]:
        cursor = cursors.get(query.key)
        summary.lagging.append(
            QueryLag(
                query.tag,
                query.query,
                cursor.polled_at if cursor else None,
                tweet_time(cursor.since_id) if cursor else None,
            )
        )
    return summary


def _poll_query(
    client: XClient,
    tracked: TrackedQuery,
    cursor: PollCursor,
    resume: dict | None,
    *,
    max_results: int,
    max_pages: int,
    now: datetime,
) -> QueryPoll:
    poll = QueryPoll(tracked.tag, tracked.query, since_id=cursor.since_id, previously_polled_at=cursor.polled_at)
    resume_key = RESUME_KEY_PREFIX + tracked.key
    next_token, newest_id = _resumed(resume, cursor.since_id)
    try:
        while True:
            poll.requests += 1
            page = client.search_recent(
                tracked.query, since_id=cursor.since_id, next_token=next_token, max_results=max_results
            )
            _budget_seen(page.rate_limit)
            _store_page(page, poll)
            newest_id = newest_id or page.newest_id  # the first page's: the newest match since the cursor
            next_token = page.next_token
            if next_token is None:
                break
            if poll.pages >= max_pages:
                poll.status = QueryStatus.MORE
                break
    except XApiError as error:
        _budget_seen(error.rate_limit)
        _record_failure(poll, error)

    rate = _tweets_per_hour(cursor, poll.new, now)
    if poll.status is not QueryStatus.DONE:
        if next_token is not None:
            state = {"since_id": cursor.since_id, "next_token": next_token, "newest_id": newest_id}
            cache.set(resume_key, state, timeout=RESUME_TIMEOUT)
        poll_cursor_record(cursor_id=cursor.pk, polled_at=now, error=poll.error, tweets_per_hour=rate)
        return poll
    cache.delete(resume_key)
    if newest_id is None:
        poll_cursor_record(cursor_id=cursor.pk, polled_at=now, tweets_per_hour=rate)
        return poll
    newest = int(newest_id)
    poll_cursor_record(cursor_id=cursor.pk, polled_at=now, newest_id=newest, tweets_per_hour=rate)
    poll.since_id = max(cursor.since_id or 0, newest)
    return poll


def _inherited_since_ids(new: Sequence[TrackedQuery], now: datetime) -> dict[str, int]:
    """Where new queries (texts the packing changed after an admin's edit) start: for a query whose every
    term an earlier query tracked, the oldest of its terms' newest tweets seen, so it asks only for what
    they missed instead of 7 days of duplicates. A query with a term no cursor knew starts from nothing."""
    wanted = {key: query_terms(query.query) or [] for key, query in ((query.key, query) for query in new)}
    needed = {term for terms in wanted.values() for term in terms}
    if not needed:
        return {}
    newest_by_term: dict[str, int] = {}
    earlier = PollCursor.objects.filter(
        since_id__isnull=False, polled_at__gte=now - timedelta(seconds=RESUME_TIMEOUT)
    ).values_list("query", "since_id")
    for text, since_id in earlier:
        for term in query_terms(text) or []:
            if term in needed:
                newest_by_term[term] = max(newest_by_term.get(term, since_id), since_id)
    return {
        key: min(newest_by_term[term] for term in terms)
        for key, terms in wanted.items()
        if terms and all(term in newest_by_term for term in terms)
    }


def _tweets_per_hour(cursor: PollCursor, new: int, now: datetime) -> float:
    """The query's smoothed rate after this poll. The first poll reads a backlog of unknown length
    (up to 7 days): its tweets count as an hour's, a guess the next poll corrects either way."""
    if cursor.polled_at is None:
        return float(new)
    hours = max((now - cursor.polled_at).total_seconds() / 3600, 1 / 3600)
    return (1 - RATE_WEIGHT) * cursor.tweets_per_hour + RATE_WEIGHT * new / hours


def _budget_seen(rate_limit: RateLimit | None) -> None:
    if rate_limit is not None:
        seen = (rate_limit.limit, rate_limit.remaining, rate_limit.reset.timestamp())
        cache.set(BUDGET_KEY, seen, timeout=settings.X_SEARCH_WINDOW_SECONDS + 60)


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
