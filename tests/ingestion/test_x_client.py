"""XClient against a FakeXApi over real loopback HTTP; no database."""

import socket
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from devtools.fake_x import Endpoint, FakeXApi, Fault
from ingestion.x_client import (
    INGESTION_FIELDS,
    USER_AGENT,
    BadRequest,
    Conflict,
    DuplicateContent,
    RateLimit,
    RateLimited,
    ReconnectKind,
    ReplyNotAllowed,
    StreamBackoff,
    StreamDisconnected,
    StreamStalled,
    TransientError,
    Unauthorized,
    UsageCapped,
    XClient,
    XConfigurationError,
    error_from_response,
    reconnect_kind_for,
)

CITIZEN = {"id": "1001", "name": "Asha K", "username": "asha_k"}
BSNL = {"id": "2001", "name": "BSNL India", "username": "BSNLCorporate"}
BSNL_QUERY = "(@BSNLCorporate OR #BSNLSeva) -is:retweet"
POSTS_QUERY = "(@PostOfficeIndia OR #PostalSeva) -is:retweet"
REPLY = "@asha_k Your complaint is registered as BSNL-2611-000123."


def citizen_tweet(tweet_id: int, text: str = "@BSNLCorporate my landline is dead since Monday #BSNLSeva") -> dict:
    return {
        "id": str(tweet_id),
        "text": text,
        "author_id": CITIZEN["id"],
        "created_at": "2026-11-02T10:00:00.000Z",
        "conversation_id": str(tweet_id),
        "edit_history_tweet_ids": [str(tweet_id)],
        "lang": "en",
    }


@pytest.fixture
def fake_x():
    with FakeXApi(keepalive_interval=0.05, user_tokens={"configured-bsnl-token": "BSNLCorporate"}) as fake:
        fake.add_tweets([], [CITIZEN, BSNL])
        yield fake


@pytest.fixture
def x_client(fake_x):
    # No bearer token and no account tokens: against loopback the client falls back to the fake's tokens.
    with XClient(base_url=fake_x.base_url, bearer_token="", timeout=2.0, account_tokens={}) as client:
        yield client


@pytest.fixture
def fake_x_client_with_tokens(fake_x):
    tokens = {"BSNLCorporate": "configured-bsnl-token"}
    with XClient(base_url=fake_x.base_url, bearer_token="", timeout=2.0, account_tokens=tokens) as client:
        yield client


@pytest.fixture
def bsnl_stream(fake_x, x_client):
    """An open filtered stream with the BSNL rule, already past its first keep-alive (so surely connected)."""
    x_client.sync_stream_rules({"bsnl": BSNL_QUERY})
    lines = x_client.stream_lines(read_timeout=0.5)
    assert next(lines) == b""
    yield lines
    lines.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- recent search ---


def test_search_recent_returns_the_raw_body_and_its_newest_id(fake_x, x_client):
    fake_x.add_tweets([citizen_tweet(101), citizen_tweet(103), citizen_tweet(102)])

    page = x_client.search_recent(BSNL_QUERY)

    assert orjson.loads(page.raw) == page.document
    assert [tweet["id"] for tweet in page.document["data"]] == ["103", "102", "101"]
    assert (page.newest_id, page.result_count, page.next_token) == ("103", 3, None)


def test_search_recent_asks_for_the_recommended_ingestion_fields(fake_x, x_client):
    x_client.search_recent(BSNL_QUERY)

    params = fake_x.requests[-1].params
    assert {name: params[name] for name in INGESTION_FIELDS} == INGESTION_FIELDS


def test_search_since_id_returns_only_newer_tweets(fake_x, x_client):
    fake_x.add_tweets([citizen_tweet(100 + n) for n in range(5)])

    page = x_client.search_recent(BSNL_QUERY, since_id=102)

    assert [tweet["id"] for tweet in page.document["data"]] == ["104", "103"]


def test_search_with_nothing_new_is_an_empty_page(x_client):
    page = x_client.search_recent(BSNL_QUERY, since_id=999)

    assert (page.document, page.result_count, page.newest_id) == ({"meta": {"result_count": 0}}, 0, None)


def test_search_page_carries_the_rate_limit_headers(x_client):
    first = x_client.search_recent(BSNL_QUERY).rate_limit
    second = x_client.search_recent(BSNL_QUERY).rate_limit

    assert (first.limit, first.remaining, second.remaining) == (450, 449, 448)
    assert datetime.now(UTC) < first.reset <= datetime.now(UTC) + timedelta(minutes=15)


def test_partial_errors_come_back_with_the_data(fake_x, x_client):
    reply = citizen_tweet(105) | {"referenced_tweets": [{"type": "replied_to", "id": "77"}]}
    fake_x.add_tweets([reply])

    page = x_client.search_recent(BSNL_QUERY)

    assert page.document["data"][0]["id"] == "105"
    assert page.errors[0]["type"].endswith("/problems/resource-not-found")


def test_search_rate_limited_raises_rate_limited_with_the_reset_time(fake_x, x_client):
    fake_x.inject(Endpoint.SEARCH, Fault.RATE_LIMITED, reset_in=120)

    with pytest.raises(RateLimited) as raised:
        x_client.search_recent(BSNL_QUERY)

    expected = datetime.now(UTC) + timedelta(seconds=120)
    assert abs(raised.value.reset_at - expected) < timedelta(seconds=2)
    assert not raised.value.permanent


def test_usage_cap_raises_usage_capped_which_is_permanent(fake_x, x_client):
    fake_x.inject(Endpoint.SEARCH, Fault.USAGE_CAPPED)

    with pytest.raises(UsageCapped) as raised:
        x_client.search_recent(BSNL_QUERY)

    assert raised.value.permanent
    assert raised.value.problem["period"] == "Monthly"


def test_the_client_reads_the_problem_json_errors_x_sends(fake_x, x_client):
    fake_x.inject(Endpoint.SEARCH, Fault.RATE_LIMITED, times=2)
    raw = httpx.get(
        f"{fake_x.base_url}/2/tweets/search/recent",
        params={"query": BSNL_QUERY},
        headers={"Authorization": "Bearer fake-app-token"},
    )

    with pytest.raises(RateLimited) as raised:
        x_client.search_recent(BSNL_QUERY)

    assert raw.headers["content-type"] == "application/problem+json"
    assert raised.value.problem == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }


def test_a_dry_run_through_the_client_changes_no_rules(fake_x, x_client):
    change = x_client.add_stream_rules([{"value": BSNL_QUERY, "tag": "bsnl"}], dry_run=True)

    assert change.summary["created"] == 1
    assert fake_x.rules == []


def test_service_unavailable_raises_a_transient_error(fake_x, x_client):
    fake_x.inject(Endpoint.SEARCH, Fault.UNAVAILABLE)

    with pytest.raises(TransientError) as raised:
        x_client.search_recent(BSNL_QUERY)

    assert (raised.value.status, raised.value.permanent) == (503, False)


def test_an_unreachable_server_is_a_transient_error_that_cannot_have_taken_effect():
    client = XClient(base_url=f"http://127.0.0.1:{closed_port()}", bearer_token="", timeout=1.0)
    with client, pytest.raises(TransientError) as raised:
        client.search_recent(BSNL_QUERY)

    assert raised.value.may_have_taken_effect is False


def test_every_request_sends_the_versioned_user_agent(fake_x, x_client):
    x_client.search_recent(BSNL_QUERY)
    x_client.get_stream_rules()
    x_client.create_tweet(REPLY, None, "BSNLCorporate")

    assert {request.headers["user-agent"] for request in fake_x.requests} == {USER_AGENT}


# --- stream rules ---


def test_sync_stream_rules_adds_the_missing_rules(fake_x, x_client):
    sync = x_client.sync_stream_rules({"bsnl": BSNL_QUERY, "posts": POSTS_QUERY})

    assert sorted(rule["tag"] for rule in sync.added) == ["bsnl", "posts"]
    assert sorted((rule["tag"], rule["value"]) for rule in fake_x.rules) == [
        ("bsnl", BSNL_QUERY),
        ("posts", POSTS_QUERY),
    ]


def test_sync_stream_rules_leaves_matching_rules_unchanged(fake_x, x_client):
    x_client.sync_stream_rules({"bsnl": BSNL_QUERY})
    rules_before = fake_x.rules

    sync = x_client.sync_stream_rules({"bsnl": BSNL_QUERY})

    assert (sync.added, sync.deleted, sync.unchanged) == ([], [], rules_before)
    assert fake_x.rules == rules_before


def test_sync_stream_rules_replaces_changed_rules_and_deletes_extra_ones(fake_x, x_client):
    x_client.sync_stream_rules({"bsnl": BSNL_QUERY, "posts": POSTS_QUERY})
    changed_query = "(@BSNLCorporate OR #BSNLSeva OR #BSNLKerala) -is:retweet"

    sync = x_client.sync_stream_rules({"bsnl": changed_query})

    assert sorted(rule["tag"] for rule in sync.deleted) == ["bsnl", "posts"]
    assert [(rule["tag"], rule["value"]) for rule in fake_x.rules] == [("bsnl", changed_query)]


# --- filtered stream ---


def test_stream_lines_yields_keep_alives_as_empty_lines(bsnl_stream):
    assert [next(bsnl_stream), next(bsnl_stream)] == [b"", b""]


def test_stream_lines_yields_a_pushed_tweet_as_one_raw_line(fake_x, bsnl_stream):
    fake_x.push_to_stream([citizen_tweet(301)])

    line = next(line for line in bsnl_stream if line)

    document = orjson.loads(line)
    assert document["data"]["id"] == "301"
    assert [rule["tag"] for rule in document["matching_rules"]] == ["bsnl"]


def test_a_stalled_stream_raises_stream_stalled(fake_x, x_client):
    x_client.sync_stream_rules({"bsnl": BSNL_QUERY})
    fake_x.inject(Endpoint.STREAM, Fault.STALL, seconds=5)

    with pytest.raises(StreamStalled):
        next(x_client.stream_lines(read_timeout=0.3))


def test_a_dropped_stream_raises_stream_disconnected_after_the_lines_it_sent(fake_x, x_client):
    x_client.sync_stream_rules({"bsnl": BSNL_QUERY})
    fake_x.inject(Endpoint.STREAM, Fault.DISCONNECT, after_lines=1)
    lines = x_client.stream_lines(read_timeout=0.5)
    assert next(lines) == b""
    fake_x.push_to_stream([citizen_tweet(301), citizen_tweet(302)])

    received = []
    with pytest.raises(StreamDisconnected):
        received.extend(line for line in lines if line)

    assert [orjson.loads(line)["data"]["id"] for line in received] == ["301"]


def test_an_error_only_line_is_delivered_before_the_stream_ends(fake_x, x_client):
    x_client.sync_stream_rules({"bsnl": BSNL_QUERY})
    fake_x.inject(Endpoint.STREAM, Fault.OPERATIONAL_DISCONNECT)

    lines = list(x_client.stream_lines(read_timeout=0.5))

    assert [orjson.loads(line)["errors"][0]["title"] for line in lines] == ["operational-disconnect"]


def test_a_rate_limited_stream_connect_raises_rate_limited(fake_x, x_client):
    x_client.sync_stream_rules({"bsnl": BSNL_QUERY})
    fake_x.inject(Endpoint.STREAM, Fault.RATE_LIMITED)

    with pytest.raises(RateLimited):
        next(x_client.stream_lines(read_timeout=0.5))


def test_a_stream_connect_answered_503_raises_a_transient_error(fake_x, x_client):
    x_client.sync_stream_rules({"bsnl": BSNL_QUERY})
    fake_x.inject(Endpoint.STREAM, Fault.UNAVAILABLE)

    with pytest.raises(TransientError) as raised:
        next(x_client.stream_lines(read_timeout=0.5))

    assert raised.value.status == 503


def test_a_stream_without_rules_raises_conflict(x_client):
    with pytest.raises(Conflict):
        next(x_client.stream_lines(read_timeout=0.5))


# --- posting ---


def test_create_tweet_posts_a_reply_as_the_official_account(fake_x, x_client):
    fake_x.add_tweets([citizen_tweet(401)])

    posted = x_client.create_tweet(REPLY, 401, "BSNLCorporate")

    [record] = fake_x.posted
    assert (record.id, record.account, record.text, record.in_reply_to_tweet_id) == (
        posted.id,
        "BSNLCorporate",
        REPLY,
        "401",
    )
    assert fake_x.post_attempts[0].body == {"text": REPLY, "reply": {"in_reply_to_tweet_id": "401"}}


def test_create_tweet_sends_the_user_token_of_the_account(fake_x, fake_x_client_with_tokens):
    fake_x_client_with_tokens.create_tweet(REPLY, None, "@bsnlcorporate")

    assert fake_x.requests[-1].headers["authorization"] == "Bearer configured-bsnl-token"


def test_create_tweet_falls_back_to_the_fake_user_token_on_loopback(fake_x, x_client):
    x_client.create_tweet(REPLY, None, "BSNLCorporate")

    assert fake_x.requests[-1].headers["authorization"] == "Bearer fake-user-token-BSNLCorporate"


def test_a_missing_account_token_for_a_remote_server_is_a_configuration_error():
    client = XClient(base_url="https://api.x.com", bearer_token="app", account_tokens={})
    with client, pytest.raises(XConfigurationError, match="BSNLCorporate"):
        client.create_tweet(REPLY, None, "BSNLCorporate")


def test_a_missing_app_token_for_a_remote_server_is_a_configuration_error():
    client = XClient(base_url="https://api.x.com", bearer_token="", account_tokens={})
    with client, pytest.raises(XConfigurationError, match="X_API_BEARER_TOKEN"):
        client.search_recent(BSNL_QUERY)


def test_posting_the_same_text_twice_raises_duplicate_content(x_client):
    x_client.create_tweet(REPLY, None, "BSNLCorporate")

    with pytest.raises(DuplicateContent) as raised:
        x_client.create_tweet(REPLY, None, "BSNLCorporate")

    assert raised.value.permanent


def test_replying_to_an_author_who_did_not_mention_the_account_raises_reply_not_allowed(fake_x, x_client):
    fake_x.add_tweets([citizen_tweet(402, text="No dial tone for a week #BSNLSeva")])

    with pytest.raises(ReplyNotAllowed) as raised:
        x_client.create_tweet(REPLY, 402, "BSNLCorporate")

    assert raised.value.permanent


def test_an_unknown_user_token_raises_unauthorized(fake_x):
    client = XClient(base_url=fake_x.base_url, account_tokens={"BSNLCorporate": "revoked-token"})
    with client, pytest.raises(Unauthorized):
        client.create_tweet(REPLY, None, "BSNLCorporate")


def test_a_malformed_reply_target_raises_bad_request(x_client):
    with pytest.raises(BadRequest) as raised:
        x_client.create_tweet(REPLY, "not-a-tweet-id", "BSNLCorporate")

    assert raised.value.permanent


def test_a_post_whose_response_is_dropped_is_made_and_may_have_taken_effect(fake_x, x_client):
    fake_x.inject(Endpoint.POST, Fault.TIMEOUT_AFTER_POST)

    with pytest.raises(TransientError) as raised:
        x_client.create_tweet(REPLY, None, "BSNLCorporate")

    assert raised.value.may_have_taken_effect
    assert [(post.text, post.response_withheld) for post in fake_x.posted] == [(REPLY, True)]


def test_a_post_whose_response_is_late_times_out_and_may_have_taken_effect(fake_x):
    fake_x.inject(Endpoint.POST, Fault.TIMEOUT_AFTER_POST, delay=2.0)

    client = XClient(base_url=fake_x.base_url, bearer_token="", timeout=0.3, account_tokens={})
    with client, pytest.raises(TransientError) as raised:
        client.create_tweet(REPLY, None, "BSNLCorporate")

    assert raised.value.may_have_taken_effect
    assert len(fake_x.posted) == 1


def test_find_posted_reply_finds_a_reply_whose_response_was_lost(fake_x, x_client):
    fake_x.add_tweets([citizen_tweet(403)])
    fake_x.inject(Endpoint.POST, Fault.TIMEOUT_AFTER_POST)
    with pytest.raises(TransientError):
        x_client.create_tweet(REPLY, 403, "BSNLCorporate")

    found = x_client.find_posted_reply(REPLY, 403, "BSNLCorporate")

    assert found.id == fake_x.posted[0].id


def test_find_posted_reply_returns_none_when_nothing_was_posted(fake_x, x_client):
    fake_x.add_tweets([citizen_tweet(404)])
    x_client.create_tweet("@asha_k a different reply", 404, "BSNLCorporate")

    assert x_client.find_posted_reply(REPLY, 404, "BSNLCorporate") is None


# --- error classification ---


@pytest.mark.parametrize("host", ["https://api.twitter.com", "https://api.x.com"])
def test_usage_capped_is_recognised_by_the_problem_path_on_either_host(host):
    body = orjson.dumps({"title": "UsageCapExceeded", "type": f"{host}/2/problems/usage-capped"})

    assert isinstance(error_from_response(429, {}, body), UsageCapped)


def test_a_429_without_reset_header_is_rate_limited_with_no_reset_time():
    error = error_from_response(429, {}, orjson.dumps({"title": "Too Many Requests", "status": 429}))

    assert isinstance(error, RateLimited)
    assert error.reset_at is None


def test_the_legacy_duplicate_status_code_is_duplicate_content():
    body = orjson.dumps({"errors": [{"code": 187, "message": "Status is a duplicate."}]})

    assert isinstance(error_from_response(403, {}, body), DuplicateContent)


# --- reconnect backoff ---


def test_network_backoff_starts_immediately_and_grows_by_a_quarter_second_to_16():
    backoff = StreamBackoff()

    delays = [backoff.next_delay(ReconnectKind.NETWORK) for _ in range(70)]

    assert delays[:5] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert delays[64:] == [16.0] * 6


def test_http_error_backoff_doubles_from_5_to_320():
    backoff = StreamBackoff()

    delays = [backoff.next_delay(ReconnectKind.HTTP) for _ in range(8)]

    assert delays == [5, 10, 20, 40, 80, 160, 320, 320]


def test_rate_limited_backoff_starts_at_60_and_doubles():
    backoff = StreamBackoff()

    delays = [backoff.next_delay(ReconnectKind.RATE_LIMITED) for _ in range(4)]

    assert delays == [60, 120, 240, 320]


def test_reset_after_a_successful_connection_restarts_every_schedule():
    backoff = StreamBackoff()
    for kind in (ReconnectKind.NETWORK, ReconnectKind.NETWORK, ReconnectKind.HTTP, ReconnectKind.RATE_LIMITED):
        backoff.next_delay(kind)

    backoff.reset()

    assert (backoff.next_delay(ReconnectKind.NETWORK), backoff.next_delay(ReconnectKind.HTTP)) == (0.0, 5.0)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (RateLimited("429", status=429, reset_at=None), ReconnectKind.RATE_LIMITED),
        (TransientError("503", status=503, may_have_taken_effect=True), ReconnectKind.HTTP),
        (StreamStalled("stall", may_have_taken_effect=True), ReconnectKind.NETWORK),
        (StreamDisconnected("cut", may_have_taken_effect=True), ReconnectKind.NETWORK),
    ],
)
def test_reconnect_kind_follows_the_failure(error, kind):
    assert reconnect_kind_for(error) is kind


# --- what is left to post: the rate-limit headers ---------------------------------------------


def test_the_rate_limit_headers_are_read_for_the_account_and_the_app():
    headers = {
        "x-rate-limit-limit": "100", "x-rate-limit-remaining": "7", "x-rate-limit-reset": "1800000900",
        "x-app-limit-24hour-limit": "10000", "x-app-limit-24hour-remaining": "9000",
        "x-app-limit-24hour-reset": "1800086400",
    }  # fmt: skip

    account, app = RateLimit.from_headers(headers), RateLimit.app_from_headers(headers)

    assert (account.limit, account.remaining, int(account.reset.timestamp())) == (100, 7, 1800000900)
    assert (app.limit, app.remaining, int(app.reset.timestamp())) == (10000, 9000, 1800086400)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "7"},  # no reset
        {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "seven", "x-rate-limit-reset": "1800000900"},
        {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "-1", "x-rate-limit-reset": "1800000900"},
        {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "7", "x-rate-limit-reset": "9" * 30},
        {"x-rate-limit-limit": "1e2", "x-rate-limit-remaining": "7", "x-rate-limit-reset": "1800000900"},
    ],
)
def test_missing_or_garbled_rate_limit_headers_are_no_window_not_a_crash(headers):
    assert RateLimit.from_headers(headers) is None
    assert RateLimit.app_from_headers(headers) is None


def test_a_429_with_garbled_headers_is_rate_limited_without_a_reset():
    error = error_from_response(429, {"x-rate-limit-reset": "soon"}, b'{"title":"Too Many Requests"}')

    assert isinstance(error, RateLimited)
    assert (error.reset_at, error.app_wide) == (None, False)


def test_a_429_for_the_apps_24_hour_window_is_app_wide_and_waits_for_its_reset():
    headers = {
        "x-rate-limit-limit": "100", "x-rate-limit-remaining": "40", "x-rate-limit-reset": "1800000900",
        "x-app-limit-24hour-limit": "10000", "x-app-limit-24hour-remaining": "0",
        "x-app-limit-24hour-reset": "1800086400",
    }  # fmt: skip

    error = error_from_response(429, headers, b'{"title":"Too Many Requests"}')

    assert isinstance(error, RateLimited)
    assert error.app_wide
    assert int(error.reset_at.timestamp()) == 1800086400
