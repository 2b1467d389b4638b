"""Simulated citizen traffic, sent where real traffic comes from.

`FakeXTarget` hands it to the fake X API, which then serves it to the poller and the stream exactly as X
would; `WebhookTarget` posts it to our own Account Activity webhook, signed as X signs. `TweetGenerator`
writes the tweets; `tweets_simulate` paces them.
"""

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import httpx
import orjson

from devtools.tweet_generator import OFFICIALS, TweetGenerator
from ingestion.webhook import SIGNATURE_HEADER

logger = logging.getLogger(__name__)

TWITTER_EPOCH_MS = 1288834974657  # X ids are snowflakes: milliseconds since 2010-11-04 in the high bits
TICK_SECONDS = 0.5
MAX_BATCH = 500  # tweets per request, should a target come back after being away
MINISTER_USER_ID = OFFICIALS["MOC"][1]


class SimulationTarget(Protocol):
    def send(self, pages: list[dict]) -> None:
        """Deliver the pages; raise httpx.TransportError or a 5xx HTTPStatusError to have them sent again."""


@dataclass(slots=True)
class SimulationProgress:
    sent: int = 0  # tweets delivered
    total: int = 0  # tweets the run will send
    elapsed: float = 0.0
    failed_sends: int = 0  # attempts that failed and were tried again


class FakeXTarget:
    """The fake X API's control endpoint: it stores the tweets for search and pushes them to open streams."""

    def __init__(self, *, http: httpx.Client) -> None:
        self.http = http

    def send(self, pages: list[dict]) -> None:
        response = self.http.post("/_fake/tweets", content=orjson.dumps(_merged_page(pages)))
        response.raise_for_status()


class WebhookTarget:
    """Our Account Activity webhook, as X calls it: one signed POST per subscribed account's events."""

    def __init__(self, *, http: httpx.Client, url: str, consumer_secret: str) -> None:
        self.http, self.url, self.consumer_secret = http, url, consumer_secret

    def send(self, pages: list[dict]) -> None:
        for payload in account_activity_payloads(pages):
            body = orjson.dumps(payload)
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: webhook_signature(body, self.consumer_secret),
            }
            self.http.post(self.url, content=body, headers=headers).raise_for_status()


def tweets_simulate(
    *,
    target: SimulationTarget,
    rate: float,
    duration: float,
    seed: int = 1,
    tick: float = TICK_SECONDS,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_tick: Callable[[SimulationProgress], None] | None = None,
) -> SimulationProgress:
    """Send `rate` tweets a second for `duration` seconds, a small batch each tick.

    A target that is not up yet (or fails with a 5xx) gets the same batch again next tick, so the
    simulator can start before what it feeds; a 4xx is a mistake in what is sent and is raised.
    """
    progress = SimulationProgress(total=round(rate * duration))
    pages = _pages_keeping_up_with_the_clock(seed, progress.total)
    waiting: list[dict] = []
    target_down = False
    started = clock()
    while True:
        progress.elapsed = clock() - started
        due = min(progress.total, int(rate * progress.elapsed))
        waiting += [next(pages) for _ in range(due - progress.sent - len(waiting))]
        while waiting:
            batch = waiting[:MAX_BATCH]
            try:
                target.send(batch)
            except (httpx.TransportError, httpx.HTTPStatusError) as error:
                if isinstance(error, httpx.HTTPStatusError) and error.response.status_code < 500:
                    raise
                # Said once per outage, not every tick.
                log = logger.debug if target_down else logger.warning
                log("could not deliver %d simulated tweets (%s); trying again each tick", len(batch), error)
                progress.failed_sends += 1
                target_down = True
                break
            del waiting[: len(batch)]
            progress.sent += len(batch)
            target_down = False
        if on_tick:
            on_tick(progress)
        if progress.sent >= progress.total:
            return progress
        sleep(tick - (clock() - started) % tick)


def _pages_keeping_up_with_the_clock(seed: int, count: int) -> Iterator[dict]:
    """The generator's pages with ids and times of now: ids that sort after whatever the fake X API
    assigns meanwhile (our own replies), so `since_id` cursors never skip simulated tweets."""
    now = datetime.now(tz=UTC)
    generator = TweetGenerator(seed=seed, start=now - timedelta(seconds=2), first_id=snowflake_at(now))
    for page in generator.pages(count):
        yield page
        now = datetime.now(tz=UTC)
        # Both are the generator's running counters; each next tweet adds a little to them.
        generator.next_id = max(generator.next_id, snowflake_at(now))
        generator.clock = max(generator.clock, now - timedelta(seconds=2))


def snowflake_at(moment: datetime) -> int:
    """The smallest X id of a tweet posted at `moment`."""
    return (int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22


def _merged_page(pages: list[dict]) -> dict:
    tweets = [tweet for page in pages for tweet in page["data"]]
    users = {user["id"]: user for page in pages for user in page.get("includes", {}).get("users", [])}
    return {"data": tweets, "includes": {"users": list(users.values())}}


def webhook_signature(body: bytes, consumer_secret: str) -> str:
    """The x-twitter-webhooks-signature of a body (X_API.md 7.2)."""
    digest = hmac.new(consumer_secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def account_activity_payloads(pages: list[dict]) -> list[dict]:
    """The Account Activity deliveries of v2 pages: v1.1 tweets, grouped by the subscribed account
    (the first official account a tweet mentions, else the minister's)."""
    official_ids = {user_id for _, user_id in OFFICIALS.values()}
    by_account: dict[str, list[dict]] = {}
    for page in pages:
        users = {user["id"]: user for user in page.get("includes", {}).get("users", [])}
        for tweet in page["data"]:
            mentioned = [mention.get("id") for mention in tweet.get("entities", {}).get("mentions", [])]
            account = next((user_id for user_id in mentioned if user_id in official_ids), MINISTER_USER_ID)
            by_account.setdefault(account, []).append(v1_tweet(tweet, users))
    return [{"for_user_id": account, "tweet_create_events": events} for account, events in by_account.items()]


def v1_tweet(tweet: dict, users: dict[str, dict]) -> dict:
    """A v2 tweet in the v1.1 shape Account Activity delivers."""
    author = users.get(tweet["author_id"], {"id": tweet["author_id"], "username": "", "name": ""})
    entities = tweet.get("entities", {})
    created = datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
    references = {ref["type"]: ref["id"] for ref in tweet.get("referenced_tweets", [])}
    result = {
        "created_at": created.strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "id": int(tweet["id"]),
        "id_str": tweet["id"],
        "text": tweet["text"],
        "truncated": False,
        "user": {
            "id": int(author["id"]),
            "id_str": author["id"],
            "name": author.get("name", ""),
            "screen_name": author["username"],
        },
        "entities": {
            "hashtags": [
                {"text": tag["tag"], "indices": [tag["start"], tag["end"]]} for tag in entities.get("hashtags", [])
            ],
            "user_mentions": [
                {
                    "screen_name": mention["username"],
                    "id_str": mention.get("id"),
                    "indices": [mention["start"], mention["end"]],
                }
                for mention in entities.get("mentions", [])
            ],
            "urls": [],
        },
        "in_reply_to_status_id_str": references.get("replied_to"),
        "lang": tweet.get("lang", "und"),
    }
    if "retweeted" in references:
        result["retweeted_status"] = {"id_str": references["retweeted"]}
    history = tweet.get("edit_history_tweet_ids", [])
    if len(history) > 1:
        result["edit_history"] = {"initial_tweet_id": history[0], "edit_tweet_ids": history}
    return result
