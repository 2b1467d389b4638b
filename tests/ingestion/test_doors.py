"""The doors end to end against the fake X API: recent search, filtered stream, webhook.

Real PostgreSQL and Redis; the fake X API on a loopback port; reconnect delays are recorded, never slept.
"""

import io
import runpy
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from departments.models import Department, Hashtag
from devtools.fake_x import Endpoint, FakeXApi, Fault
from devtools.simulator import account_activity_payloads, webhook_signature
from ingestion.doors import stream as stream_door
from ingestion.doors.search import BUDGET_KEY, PAUSE_KEY, PollSummary, QueryPoll, QueryStatus, search_poll
from ingestion.doors.stream import stream_consume
from ingestion.doors.x_queries import (
    SEARCH_QUERY_MAX_LENGTH,
    TrackedQuery,
    pack_dense,
    query_terms,
    query_text,
    tracked_queries,
    tracked_terms,
)
from ingestion.inbox import inbox_process_pending, inbox_store
from ingestion.models import DeadLetter, Door, InboxTweet, PollCursor
from ingestion.parsing import parse_document
from ingestion.webhook import SIGNATURE_HEADER, x_webhook
from ingestion.x_client import XClient
from tests.ingestion.factories import BSNL, MINISTER, POSTS, tweet_id_of, v2_tweet
from tickets.models import Ticket, TicketMessage

BSNL_QUERY = "(@BSNLCorporate OR #BSNLSeva) -is:retweet"
SEED_QUERY = (
    "(#BSNLSeva OR #CRSeva OR #DOTSeva OR #MTNLSeva OR #NRSeva OR #PostalSeva OR #RailSeva OR @BSNLCorporate "
    "OR @Central_Railway OR @DoT_India OR @manojsinhabjp OR @MTNLOfficial OR @PostOfficeIndia OR @RailMinIndia "
    "OR @RailwayNorthern OR @RailwaySeva) -is:retweet"
)
# Queries of one department each, for the tests of the poller's paging and pauses (the app's own queries
# pack every department's terms together: the seed's fit in one).
DEPARTMENT_QUERIES = [
    TrackedQuery("BSNL", BSNL_QUERY),
    TrackedQuery("POSTS", "(@PostOfficeIndia OR #PostalSeva) -is:retweet"),
]
SETTINGS_BASE = Path(__file__).resolve().parents[2] / "seva" / "settings" / "base.py"


# Every test here gets cache keys of its own (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("own_cache_keys")


def bsnl_page(text: str = "@BSNLCorporate no dial tone since Monday #BSNLSeva", **options) -> dict:
    return v2_tweet(text, mentions=[BSNL], **options)


def put_on_x(fake: FakeXApi, *pages: dict) -> None:
    """Tweets already on X: recent search finds them."""
    for page in pages:
        fake.add_tweets(page["data"], page["includes"]["users"])


def stream_out(fake: FakeXApi, *pages: dict) -> None:
    """Tweets posted now: open streams whose rules match them receive them."""
    for page in pages:
        fake.push_to_stream(page["data"], page["includes"]["users"])


def ticket_of(page: dict) -> Ticket:
    return TicketMessage.objects.select_related("ticket__department").get(tweet_id=int(tweet_id_of(page))).ticket


def search_requests(fake: FakeXApi, query: str | None = None) -> list[dict[str, str]]:
    return [
        request.params
        for request in fake.requests
        if request.path == "/2/tweets/search/recent" and query in (None, request.params.get("query"))
    ]


def poll(query_tag: str, summary: PollSummary) -> QueryPoll:
    return next(query for query in summary.queries if query.tag == query_tag)


# --- the queries -----------------------------------------------------------------------------


def test_the_seeds_handles_and_hashtags_of_every_department_share_one_query(seeded):
    assert [(tracked.tag, tracked.query) for tracked in tracked_queries()] == [("#BSNLSeva", SEED_QUERY)]


def test_many_terms_get_several_queries_each_within_512_characters_each_term_in_one(seeded):
    bsnl = Department.objects.get(code="BSNL")
    Hashtag.objects.bulk_create(Hashtag(tag=f"BSNLSevaCircle{n:02d}", department=bsnl) for n in range(60))

    queries = tracked_queries()

    assert len(queries) > 2
    assert all(len(tracked.query) <= SEARCH_QUERY_MAX_LENGTH for tracked in queries)
    terms = [term for tracked in queries for term in query_terms(tracked.query)]
    assert sorted(terms) == sorted(tracked_terms())
    assert len(terms) == len(set(terms)) == 76  # the seed's 16 and 60 more
    assert len({tracked.key for tracked in queries}) == len(queries)


def test_a_new_hashtag_changes_only_the_search_queries_around_it(seeded):
    bsnl = Department.objects.get(code="BSNL")
    Hashtag.objects.bulk_create(Hashtag(tag=f"BSNLSevaCircle{n:03d}", department=bsnl) for n in range(300))
    before = {tracked.query for tracked in tracked_queries()}

    Hashtag.objects.create(tag="BSNLSevaCircle150b", department=bsnl)
    after = {tracked.query for tracked in tracked_queries()}

    # The queries' texts name their cursors: the others keep their since_id.
    assert len(before) > 10
    assert 1 <= len(after - before) <= 3
    assert len(before - after) <= 3
    assert len(before & after) >= len(before) - 3


def test_a_query_whose_text_changed_asks_since_its_terms_last_cursor_and_a_new_term_from_the_start(
    seeded, fake_x, x_client
):
    page = bsnl_page()
    put_on_x(fake_x, page)
    search_poll(client=x_client)

    Hashtag.objects.filter(tag="DOTSeva").delete()  # the seed's one query loses a term: a new text
    search_poll(client=x_client)
    [without_dot] = tracked_queries()
    Hashtag.objects.create(tag="BSNLHimachal", department=Department.objects.get(code="BSNL"))
    search_poll(client=x_client)
    [with_himachal] = tracked_queries()

    # Every term of the first was polled up to the BSNL tweet: nothing older is asked for again.
    assert [params.get("since_id") for params in search_requests(fake_x, without_dot.query)] == [tweet_id_of(page)]
    # #BSNLHimachal's last 7 days are wanted: that query starts with no since_id.
    assert [params.get("since_id") for params in search_requests(fake_x, with_himachal.query)] == [None]
    assert InboxTweet.objects.count() == 1


# --- recent search ---------------------------------------------------------------------------


def test_polled_tweets_are_stored_by_the_search_door_and_become_tickets(seeded, fake_x, x_client):
    bsnl = bsnl_page()
    posts = v2_tweet("@PostOfficeIndia speed post lost #PostalSeva", mentions=[POSTS])
    elsewhere = v2_tweet("Lovely weather in Pune today")
    put_on_x(fake_x, bsnl, posts, elsewhere)

    summary = search_poll(client=x_client)

    assert (summary.received, summary.new) == (2, 2)
    assert set(InboxTweet.objects.values_list("door", flat=True)) == {Door.SEARCH}
    inbox_process_pending()
    assert (ticket_of(bsnl).department.code, ticket_of(posts).department.code) == ("BSNL", "POSTS")
    assert Ticket.objects.count() == 2


def test_a_second_poll_asks_since_the_cursor_and_stores_nothing_new(seeded, fake_x, x_client):
    page = bsnl_page()
    put_on_x(fake_x, page)
    search_poll(client=x_client, queries=DEPARTMENT_QUERIES)

    again = search_poll(client=x_client, queries=DEPARTMENT_QUERIES)

    assert again.received == 0
    assert search_requests(fake_x, BSNL_QUERY)[-1]["since_id"] == tweet_id_of(page)
    cursor = PollCursor.objects.get(query=BSNL_QUERY)
    assert (cursor.since_id, cursor.last_error) == (int(tweet_id_of(page)), "")
    assert cursor.polled_at is not None


def test_a_poll_follows_next_token_and_keeps_the_first_pages_newest_id(seeded, fake_x, x_client):
    pages = [bsnl_page(f"@BSNLCorporate outage {n} #BSNLSeva") for n in range(25)]
    put_on_x(fake_x, *pages)

    summary = search_poll(client=x_client, max_results=10, queries=DEPARTMENT_QUERIES)

    assert (poll("BSNL", summary).pages, poll("BSNL", summary).new) == (3, 25)
    requests = search_requests(fake_x, BSNL_QUERY)
    assert ["next_token" in params for params in requests] == [False, True, True]
    assert PollCursor.objects.get(query=BSNL_QUERY).since_id == max(int(tweet_id_of(p)) for p in pages)


class RateLimitedAfterEachPage(XClient):
    """Answers one page, then X says 429 until the reset 30 s later."""

    def __init__(self, fake: FakeXApi) -> None:
        super().__init__(base_url=fake.base_url, bearer_token="", timeout=2.0, account_tokens={})
        self.fake = fake

    def search_recent(self, *args, **kwargs):
        page = super().search_recent(*args, **kwargs)
        self.fake.inject(Endpoint.SEARCH, Fault.RATE_LIMITED, reset_in=30)
        return page


def test_a_429_stops_the_run_keeps_the_pages_stored_and_does_not_move_the_cursor(seeded, fake_x):
    pages = [bsnl_page(f"@BSNLCorporate outage {n} #BSNLSeva") for n in range(25)]
    put_on_x(fake_x, *pages)

    with RateLimitedAfterEachPage(fake_x) as limited:
        summary = search_poll(client=limited, max_results=10, queries=DEPARTMENT_QUERIES)

    assert poll("BSNL", summary).status == QueryStatus.RATE_LIMITED
    assert {query.status for query in summary.queries[1:]} == {QueryStatus.PAUSED}
    assert InboxTweet.objects.count() == 10
    cursor = PollCursor.objects.get(query=BSNL_QUERY)
    assert cursor.since_id is None
    assert "polling resumes at" in cursor.last_error
    assert timedelta(seconds=20) < summary.pause.until - timezone.now() < timedelta(seconds=40)


def test_a_paused_poller_asks_nothing_and_then_goes_on_from_where_it_stopped(seeded, fake_x, x_client):
    pages = [bsnl_page(f"@BSNLCorporate outage {n} #BSNLSeva") for n in range(25)]
    put_on_x(fake_x, *pages)
    with RateLimitedAfterEachPage(fake_x) as limited:
        search_poll(client=limited, max_results=10, queries=DEPARTMENT_QUERIES)
    asked = len(search_requests(fake_x))

    while_paused = search_poll(client=x_client, max_results=10, queries=DEPARTMENT_QUERIES)
    assert {query.status for query in while_paused.queries} == {QueryStatus.PAUSED}
    assert len(search_requests(fake_x)) == asked

    # What X's reset time does: the pause expires, and the window X said was spent is full again.
    cache.delete_many([PAUSE_KEY, BUDGET_KEY])
    resumed = search_poll(client=x_client, max_results=10, queries=DEPARTMENT_QUERIES)

    assert (poll("BSNL", resumed).pages, poll("BSNL", resumed).new) == (2, 15)
    # Run one asked for pages 1 and 2 (answered 429); this run starts at page 2.
    assert ["next_token" in params for params in search_requests(fake_x, BSNL_QUERY)[2:]] == [True, True]
    assert InboxTweet.objects.count() == 25
    assert PollCursor.objects.get(query=BSNL_QUERY).since_id == max(int(tweet_id_of(p)) for p in pages)


def test_a_usage_cap_is_reported_logged_as_an_error_and_not_retried(seeded, fake_x, x_client, caplog):
    put_on_x(fake_x, bsnl_page())
    fake_x.inject(Endpoint.SEARCH, Fault.USAGE_CAPPED)

    summary = search_poll(client=x_client, queries=DEPARTMENT_QUERIES)
    again = search_poll(client=x_client, queries=DEPARTMENT_QUERIES)

    assert poll("BSNL", summary).status == QueryStatus.USAGE_CAPPED
    assert "Usage cap exceeded" in PollCursor.objects.get(query=BSNL_QUERY).last_error
    assert any(record.levelname == "ERROR" and "usage cap" in record.getMessage() for record in caplog.records)
    assert {query.status for query in again.queries} == {QueryStatus.PAUSED}
    assert len(search_requests(fake_x)) == 1
    assert InboxTweet.objects.count() == 0


def test_poll_search_prints_a_line_per_query(seeded, fake_x):
    put_on_x(fake_x, bsnl_page())
    out = io.StringIO()

    call_command("poll_search", stdout=out)

    lines = out.getvalue().splitlines()
    assert any(line.startswith("#BSNLSeva") and "done" in line and "new     1" in line for line in lines)
    assert sum(line.startswith("#BSNLSeva") for line in lines) == 1
    assert any(line.startswith("1 queries; this run polled 1 with 1 of its 30 requests") for line in lines)


@pytest.mark.parametrize(
    ("environment", "scheduled"),
    [
        ({}, False),
        ({"X_SEARCH_POLL_ENABLED": "true"}, True),
        ({"X_API_BEARER_TOKEN": "a-real-token"}, True),
    ],
)
def test_beat_polls_search_only_with_a_token_or_when_enabled(monkeypatch, environment, scheduled):
    for name in ("X_SEARCH_POLL_ENABLED", "X_API_BEARER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    schedule = runpy.run_path(str(SETTINGS_BASE))["CELERY_BEAT_SCHEDULE"]

    assert ("search-poll" in schedule) is scheduled
    if scheduled:
        assert schedule["search-poll"]["task"] == "ingestion.tasks.search_poll_task"
        assert schedule["search-poll"]["schedule"] == 60.0


# --- filtered stream -------------------------------------------------------------------------


class ScriptedStream(XClient):
    """The real client, driven by the test: once a connection delivers its first byte (keep-alives
    included) it runs the next `on_connect` action; after `stop_after` lines with content it sets `stop`."""

    def __init__(self, fake: FakeXApi, *, on_connect=(), stop_after: int, stop: threading.Event) -> None:
        super().__init__(base_url=fake.base_url, bearer_token="", timeout=2.0, account_tokens={})
        self.on_connect, self.stop_after, self.stop = list(on_connect), stop_after, stop
        self.lines_with_content = 0

    def stream_lines(self, read_timeout: float = 21.0):
        for number, line in enumerate(super().stream_lines(read_timeout)):
            if number == 0 and self.on_connect:
                self.on_connect.pop(0)()
            if line:
                self.lines_with_content += 1
                if self.lines_with_content >= self.stop_after:
                    self.stop.set()
            yield line


def consume(fake: FakeXApi, *, on_connect=(), stop_after: int = 1, **options):
    """Run the consumer until `stop_after` lines with content arrived; return its summary and the waits asked for."""
    stop, sleeps = threading.Event(), []
    with ScriptedStream(fake, on_connect=on_connect, stop_after=stop_after, stop=stop) as client:
        options = {"read_timeout": 0.5, "max_seconds": 10.0, **options}
        summary = stream_consume(client=client, stop=stop, sleep=sleeps.append, **options)
    return summary, sleeps


def test_the_stream_gets_one_rule_per_department_and_its_tweets_become_tickets(seeded, fake_x):
    bsnl = bsnl_page()
    posts = v2_tweet("@PostOfficeIndia parcel stuck in Kolkata", mentions=[POSTS])

    summary, sleeps = consume(fake_x, on_connect=[lambda: stream_out(fake_x, bsnl, posts)], stop_after=2)

    assert [rule["value"] for rule in fake_x.rules] == [
        query_text(group) for group in pack_dense(tracked_terms(), 1024)
    ]
    assert (summary.received, summary.new, summary.connections, sleeps) == (2, 2, 1, [])
    assert set(InboxTweet.objects.values_list("door", flat=True)) == {Door.STREAM}
    inbox_process_pending()
    assert (ticket_of(bsnl).department.code, ticket_of(posts).department.code) == ("BSNL", "POSTS")


@pytest.fixture
def store_calls(monkeypatch):
    """(when, how many tweets) of each store the stream consumer makes."""
    calls = []

    def recording_store(*, tweets, dead_letters, door):
        calls.append((time.monotonic(), len(tweets)))
        return inbox_store(tweets=tweets, dead_letters=dead_letters, door=door)

    monkeypatch.setattr(stream_door, "inbox_store", recording_store)
    return calls


def test_a_burst_is_stored_in_batches_of_at_most_200(seeded, fake_x, store_calls):
    pages = [bsnl_page(f"@BSNLCorporate outage {n} #BSNLSeva") for n in range(450)]

    summary, _ = consume(fake_x, on_connect=[lambda: stream_out(fake_x, *pages)], stop_after=450)

    sizes = [size for _, size in store_calls]
    assert (summary.new, sum(sizes)) == (450, 450)
    assert max(sizes) <= 200
    assert InboxTweet.objects.count() == 450


def test_a_lone_tweet_is_stored_within_half_a_second_not_when_the_run_ends(seeded, fake_x, store_calls):
    pushed_at = []

    def push() -> None:
        pushed_at.append(time.monotonic())
        stream_out(fake_x, bsnl_page())

    consume(fake_x, on_connect=[push], stop_after=2, max_seconds=1.5)

    stored_at, size = store_calls[0]
    assert size == 1
    assert stored_at - pushed_at[0] < 1.0  # the flush interval is 0.5 s; the run ends after 1.5 s


def test_keep_alives_keep_the_connection_open(seeded, fake_x):
    stop = threading.Event()
    sleeps = []
    with XClient(base_url=fake_x.base_url, bearer_token="", timeout=2.0, account_tokens={}) as client:
        summary = stream_consume(client=client, stop=stop, sleep=sleeps.append, read_timeout=0.3, max_seconds=0.8)

    assert summary.keep_alives >= 5
    assert (summary.connections, summary.reconnects, sleeps) == (1, 0, [])
    assert summary.stop_reason == "the time limit was reached"


def test_a_stall_longer_than_the_read_timeout_reconnects_at_once(seeded, fake_x):
    fake_x.inject(Endpoint.STREAM, Fault.STALL, seconds=2.0)
    page = bsnl_page()

    summary, sleeps = consume(fake_x, on_connect=[lambda: stream_out(fake_x, page)], read_timeout=0.3)

    assert sleeps == [0.0]
    assert (summary.reconnects, summary.new) == (1, 1)


def test_reconnects_wait_as_x_documents_and_log_each_delay(seeded, fake_x, caplog):
    fake_x.inject(Endpoint.STREAM, Fault.DISCONNECT, after_lines=1)
    fake_x.inject(Endpoint.STREAM, Fault.UNAVAILABLE, times=2)
    fake_x.inject(Endpoint.STREAM, Fault.RATE_LIMITED)
    first, second = bsnl_page(), bsnl_page("@BSNLCorporate still down #BSNLSeva")

    summary, sleeps = consume(
        fake_x, on_connect=[lambda: stream_out(fake_x, first), lambda: stream_out(fake_x, second)], stop_after=2
    )

    # A drop: at once. HTTP errors: 5 s, doubling. A 429: at least 60 s (X_API.md 4.3).
    assert sleeps == [0.0, 5.0, 10.0, 60.0]
    assert (summary.reconnects, summary.new) == (4, 2)
    logged = [record.getMessage() for record in caplog.records if "reconnect" in record.getMessage()]
    assert [message.split("; ")[-1] for message in logged] == [
        "reconnect 1 in 0.00 s (network backoff)",
        "reconnect 2 in 5.00 s (http backoff)",
        "reconnect 3 in 10.00 s (http backoff)",
        "reconnect 4 in 60.00 s (rate_limited backoff)",
    ]


def test_an_unreachable_api_is_retried_with_the_linear_network_backoff(seeded):
    sleeps = []
    with XClient(base_url=f"http://127.0.0.1:{closed_port()}", bearer_token="", account_tokens={}) as client:
        summary = stream_consume(client=client, sleep=sleeps.append, max_reconnects=3, read_timeout=0.5)

    assert sleeps == [0.0, 0.25, 0.5]
    assert "no reconnect left" in summary.stop_reason
    assert not summary.fatal


def test_an_error_only_line_is_logged_and_the_stream_reconnected(seeded, fake_x, caplog):
    fake_x.inject(Endpoint.STREAM, Fault.OPERATIONAL_DISCONNECT)
    page = bsnl_page()

    summary, sleeps = consume(fake_x, on_connect=[lambda: None, lambda: stream_out(fake_x, page)], stop_after=2)

    # Reconnected at once; on a loaded machine the fake may still be closing the old connection, and
    # the network backoff's next step (0.25 s) follows.
    assert sleeps[:1] == [0.0]
    assert set(sleeps[1:]) <= {0.25, 0.5}
    assert (summary.api_errors, summary.new, summary.dead_letters) == (1, 1, 0)
    assert any(
        record.levelname == "WARNING" and "operational-disconnect" in record.getMessage() for record in caplog.records
    )


def test_a_tweet_delivered_twice_on_the_stream_makes_one_ticket(seeded, fake_x):
    fake_x.inject(Endpoint.STREAM, Fault.DUPLICATE)
    page = bsnl_page()

    summary, _ = consume(fake_x, on_connect=[lambda: stream_out(fake_x, page)], stop_after=2)
    inbox_process_pending()

    assert (summary.received, summary.new, summary.duplicates) == (2, 1, 1)
    assert Ticket.objects.count() == 1


def test_a_usage_cap_stops_consume_stream_with_a_clear_error(seeded, fake_x):
    fake_x.inject(Endpoint.STREAM, Fault.USAGE_CAPPED)

    with pytest.raises(CommandError, match="usage cap"):
        call_command("consume_stream", max_seconds=10, stdout=io.StringIO())

    assert sum(request.path == "/2/tweets/search/stream" for request in fake_x.requests) == 1


def test_the_same_tweet_from_the_stream_and_search_makes_one_ticket(seeded, fake_x, x_client):
    page = bsnl_page()
    consume(fake_x, on_connect=[lambda: stream_out(fake_x, page)])

    polled = search_poll(client=x_client)
    inbox_process_pending()

    assert (polled.received, polled.new) == (1, 0)
    assert list(InboxTweet.objects.values_list("door", flat=True)) == [Door.STREAM]
    assert Ticket.objects.count() == 1


def test_doors_storing_the_same_tweet_at_the_same_moment_keep_one_row(transactional_db, seeded):
    parsed = parse_document(bsnl_page())
    doors = [Door.SEARCH, Door.STREAM, Door.WEBHOOK, Door.SEARCH, Door.STREAM, Door.WEBHOOK]
    start = threading.Barrier(len(doors))
    new_counts = []

    def store(door: str) -> None:
        try:
            start.wait()
            new_counts.append(len(inbox_store(tweets=parsed.tweets, dead_letters=[], door=door).new))
        finally:
            connection.close()

    threads = [threading.Thread(target=store, args=(door,)) for door in doors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    inbox_process_pending()

    assert sorted(new_counts) == [0, 0, 0, 0, 0, 1]
    assert InboxTweet.objects.count() == 1
    assert Ticket.objects.count() == 1


# --- the webhook -----------------------------------------------------------------------------


def signed_post(client, body: bytes, signature: str | None):
    headers = {SIGNATURE_HEADER: signature} if signature is not None else {}
    return client.post("/webhooks/x/", data=body, content_type="application/json", headers=headers)


@pytest.mark.parametrize(
    ("secret", "crc_token", "response_token"),
    [
        ("test", "challenge_string", "sha256=SYYKwb5URQ4OnNXL3KWDH9ph6EIaP+4PTQFxLk5FIK4="),
        ("my_consumer_secret", "1234", "sha256=9n3TtjsWY7LMjneuToHDT9XuHlxsaoqkdgWcIuWgRN8="),
    ],
)
def test_the_crc_challenge_is_answered_as_x_documents(client, settings, secret, crc_token, response_token):
    settings.X_API_CONSUMER_SECRET = secret

    response = client.get("/webhooks/x/", {"crc_token": crc_token})

    assert response.status_code == 200
    assert response.json() == {"response_token": response_token}


@pytest.mark.parametrize(
    "crc_token",
    [
        '{"for_user_id":"1","tweet_create_events":[]}',  # a JSON body: it must never be signed
        "a" * 129,  # longer than any token X sends
        "token with spaces",
        "tökén",
    ],
)
def test_the_crc_challenge_refuses_a_token_that_could_be_a_payload(client, settings, crc_token):
    settings.X_API_CONSUMER_SECRET = "test"

    response = client.get("/webhooks/x/", {"crc_token": crc_token})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "crc_token_invalid"
    assert "response_token" not in response.json()


def test_a_real_crc_token_of_the_longest_allowed_kind_is_answered(client, settings):
    settings.X_API_CONSUMER_SECRET = "test"
    crc_token = ("AbC-_+/=09" * 13)[:128]

    response = client.get("/webhooks/x/", {"crc_token": crc_token})

    assert response.status_code == 200
    assert response.json() == {"response_token": webhook_signature(crc_token.encode(), "test")}


def test_a_body_signed_through_the_crc_answer_is_refused_and_nothing_is_stored(client, settings, seeded):
    """The old forgery: ask the CRC endpoint to sign a JSON body, then POST it with that answer."""
    settings.X_API_CONSUMER_SECRET = "test"
    body = orjson.dumps(account_activity_payloads([bsnl_page()])[0])

    crc = client.get("/webhooks/x/", {"crc_token": body.decode()})
    forged = crc.json().get("response_token", webhook_signature(body, "guess"))
    response = signed_post(client, body, forged)
    inbox_process_pending()

    assert crc.status_code == 400
    assert response.status_code == 401
    assert (InboxTweet.objects.count(), DeadLetter.objects.count(), Ticket.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize("signature", ["sha256=ünïcode", "sha256=\u2603", "sha256=\x00\xff"])
def test_a_non_ascii_signature_header_is_a_401_not_a_500(settings, db, signature):
    settings.X_API_CONSUMER_SECRET = "test"
    body = orjson.dumps(account_activity_payloads([bsnl_page()])[0])
    # Django's test client refuses non-ASCII headers itself; build the WSGI request by hand.
    factory = RequestFactory()
    request = factory.post("/webhooks/x/", data=body, content_type="application/json")
    request.META["HTTP_X_TWITTER_WEBHOOKS_SIGNATURE"] = signature

    response = x_webhook(request)

    assert response.status_code == 401
    assert orjson.loads(response.content)["error"]["code"] == "bad_signature"
    assert (InboxTweet.objects.count(), DeadLetter.objects.count()) == (0, 0)


def test_a_signed_delivery_is_stored_and_becomes_a_ticket(client, settings, seeded):
    settings.X_API_CONSUMER_SECRET = "test"
    page = bsnl_page()
    body = orjson.dumps(account_activity_payloads([page])[0])

    response = signed_post(client, body, webhook_signature(body, "test"))
    inbox_process_pending()

    assert response.status_code == 200
    assert list(InboxTweet.objects.values_list("door", flat=True)) == [Door.WEBHOOK]
    assert ticket_of(page).department.code == "BSNL"


@pytest.mark.parametrize("signature", [None, "", "sha256=not-the-signature", "sign-with-another-secret"])
def test_a_delivery_without_a_valid_signature_is_refused_and_nothing_is_stored(client, settings, db, signature):
    settings.X_API_CONSUMER_SECRET = "test"
    body = orjson.dumps(account_activity_payloads([bsnl_page()])[0])
    if signature == "sign-with-another-secret":
        signature = webhook_signature(body, "another-secret")

    response = signed_post(client, body, signature)

    assert response.status_code == 401
    assert (InboxTweet.objects.count(), DeadLetter.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        # X_API.md 7.1's worked body: validly signed, but no shape X sends.
        (b'{"test_number":1,"test_string":"two"}', "none of the shapes"),
        (b'{"for_user_id": "1000003", "tweet_create_events": [{"text": "cut off', "not valid JSON"),
    ],
)
def test_a_malformed_delivery_with_a_valid_signature_is_kept_as_a_dead_letter(client, settings, db, body, reason):
    settings.X_API_CONSUMER_SECRET = "test"

    response = signed_post(client, body, webhook_signature(body, "test"))

    assert response.status_code == 200
    letter = DeadLetter.objects.get()
    assert (letter.door, letter.raw.encode()) == (Door.WEBHOOK, body)
    assert reason in letter.reason


def test_webhook_signatures_match_x_api_worked_examples():
    assert (
        webhook_signature(b'{"test_number":1,"test_string":"two"}', "test")
        == "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI="
    )
    assert webhook_signature(b"test=1&other_test=2", "test") == "sha256=25Cu3iwbbiqBTwQRzcKJZwisjf736V2Q8UaTlkfLSoc="


@pytest.mark.slow
def test_a_webhook_tweet_becomes_a_ticket_on_a_real_worker_within_seconds(
    transactional_db, seeded, client, settings, fake_x, celery_worker_running
):
    settings.X_API_CONSUMER_SECRET = "test"
    page = v2_tweet("@manojsinhabjp no signal in Lucknow #BSNLSeva", mentions=[MINISTER])
    body = orjson.dumps(account_activity_payloads([page])[0])

    assert signed_post(client, body, webhook_signature(body, "test")).status_code == 200

    deadline = time.monotonic() + 10
    while not TicketMessage.objects.filter(tweet_id=int(tweet_id_of(page))).exists():
        assert time.monotonic() < deadline, "the worker made no ticket within 10 s"
        time.sleep(0.1)  # polling the database: the worker runs in another thread
    assert ticket_of(page).department.code == "BSNL"


# --- the inbox sweep -------------------------------------------------------------------------


def test_the_sweep_requeues_processing_when_rows_waited_over_30_seconds(seeded, monkeypatch):
    from ingestion import enqueue, tasks

    kicks = []
    monkeypatch.setattr(enqueue.celery_app, "send_task", lambda *args, **options: kicks.append(1))
    parsed = parse_document(bsnl_page())
    inbox_store(tweets=parsed.tweets, dead_letters=[], door=Door.SEARCH)

    tasks.inbox_sweep()
    assert kicks == []  # pending, but only just received: its own kick is on the way

    # Well past 30 s: the sweep compares with PostgreSQL's now(), the start of this test's transaction,
    # which on a loaded machine is seconds before this line.
    InboxTweet.objects.update(received_at=timezone.now() - timedelta(seconds=90))
    cache.add(enqueue.INBOX_KICK_KEY, 1)  # a kick that was lost with its worker
    tasks.inbox_sweep()
    assert kicks == [1]


# --- helpers ---------------------------------------------------------------------------------


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
