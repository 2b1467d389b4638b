"""The simulator: paced batches, targets not yet up, and its traffic through the fake X API to tickets."""

import itertools
from datetime import UTC, datetime

import httpx
import pytest

from devtools.simulator import FakeXTarget, account_activity_payloads, snowflake_at, tweets_simulate
from devtools.tweet_generator import TweetGenerator
from ingestion.doors.search import search_poll
from ingestion.inbox import inbox_process_pending
from ingestion.models import InboxTweet
from ingestion.parsing import parse_document
from tickets.models import Ticket

# Every test here gets cache keys of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("own_cache_keys")


class FakeClock:
    """time.monotonic and time.sleep for the simulator: sleeping moves the clock on, at once."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class RecordingTarget:
    def __init__(self) -> None:
        self.batches: list[list[dict]] = []

    def send(self, pages: list[dict]) -> None:
        self.batches.append(pages)


def test_the_simulator_sends_the_rate_asked_in_small_batches_each_tick():
    clock, target = FakeClock(), RecordingTarget()

    progress = tweets_simulate(target=target, rate=4, duration=2, sleep=clock.sleep, clock=clock)

    assert [len(batch) for batch in target.batches] == [2, 2, 2, 2]
    assert clock.sleeps == [0.5, 0.5, 0.5, 0.5]
    assert (progress.sent, progress.total) == (8, 8)


def test_the_simulator_sends_again_what_a_target_not_yet_up_refused():
    clock, target = FakeClock(), RecordingTarget()
    refusals = itertools.count()

    def send(pages: list[dict]) -> None:
        if next(refusals) < 2:
            raise httpx.ConnectError("connection refused")
        target.send(pages)

    target_starting = type("StartingTarget", (), {"send": staticmethod(send)})()

    progress = tweets_simulate(target=target_starting, rate=4, duration=1, sleep=clock.sleep, clock=clock)

    assert [len(batch) for batch in target.batches] == [4]
    assert (progress.sent, progress.failed_sends) == (4, 2)


def test_simulated_traffic_reaches_the_poller_through_the_fake_and_becomes_tickets(seeded, fake_x, x_client):
    clock = FakeClock()
    started = datetime.now(tz=UTC)
    with httpx.Client(base_url=fake_x.base_url, timeout=2.0) as http:
        tweets_simulate(target=FakeXTarget(http=http), rate=20, duration=1, sleep=clock.sleep, clock=clock)

    summary = search_poll(client=x_client)
    inbox_process_pending()

    assert len(fake_x.state.tweets) >= 15  # 20 sent, a few of them repeated deliveries
    assert summary.new > 10
    assert set(InboxTweet.objects.values_list("tweet_id", flat=True)) <= {int(i) for i in fake_x.state.tweets}
    assert min(int(i) for i in fake_x.state.tweets) >= snowflake_at(started)
    assert Ticket.objects.count() > 5


def test_a_simulated_tweet_is_never_dated_after_the_moment_it_is_offered():
    """At a high rate, the generator's own clock (up to 2 s a tweet) would outrun the wall clock."""
    clock, offered = FakeClock(), []

    class StampingTarget:
        def send(self, pages: list[dict]) -> None:
            offered.extend((datetime.now(tz=UTC), tweet) for page in pages for tweet in page["data"])

    tweets_simulate(target=StampingTarget(), rate=400, duration=1, sleep=clock.sleep, clock=clock)

    assert len(offered) == 400
    late = [
        tweet["id"]
        for moment, tweet in offered
        if datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00")) > moment
    ]
    assert late == []
    # Time still only moves forward (repeated deliveries aside, which carry their first date).
    unique = {tweet["id"]: tweet for _, tweet in offered}
    dates = [unique[tweet_id]["created_at"] for tweet_id in sorted(unique, key=int)]
    assert dates == sorted(dates)


def test_webhook_payloads_of_simulated_pages_carry_the_same_tweets():
    pages = list(TweetGenerator(seed=7).pages(40))

    from_v2 = [tweet for page in pages for tweet in parse_document(page).tweets]
    from_webhook = [tweet for payload in account_activity_payloads(pages) for tweet in parse_document(payload).tweets]

    def facts(tweet):
        return (
            tweet.id,
            tweet.text,
            tweet.author_id,
            tweet.author_handle,
            tweet.in_reply_to_tweet_id,
            tweet.is_retweet,
            tweet.hashtags,
            [mention.username for mention in tweet.mentions],
            tweet.edit_history_ids,
            tweet.created_at.replace(microsecond=0),  # v1.1 dates have whole seconds
        )

    assert sorted(map(facts, from_webhook)) == sorted(map(facts, from_v2))
