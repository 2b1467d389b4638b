"""The fake X API on the wire: shapes, query matching, rules, posting rules, faults, control endpoints. No database."""

import httpx
import orjson
import pytest

from devtools.fake_x import Endpoint, FakeXApi, Fault

CITIZEN = {"id": "1001", "name": "Asha K", "username": "asha_k", "location": "Pune"}
BSNL = {"id": "2001", "name": "BSNL India", "username": "BSNLCorporate"}
BSNL_QUERY = "(@BSNLCorporate OR #BSNLSeva) -is:retweet"
APP = {"Authorization": "Bearer fake-app-token"}
AS_BSNL = {"Authorization": "Bearer fake-user-token-BSNLCorporate"}
TICKET_TEXT = "Your ticket is BSNL-2611-000123."


def tweet(tweet_id: int, text: str = "@BSNLCorporate no dial tone #BSNLSeva", **fields: object) -> dict:
    return {
        "id": str(tweet_id),
        "text": text,
        "author_id": CITIZEN["id"],
        "created_at": "2026-11-02T10:00:00.000Z",
        "edit_history_tweet_ids": [str(tweet_id)],
        "lang": "en",
        **fields,
    }


@pytest.fixture
def fake_x():
    with FakeXApi(keepalive_interval=0.05) as fake:
        fake.add_tweets([], [CITIZEN, BSNL])
        yield fake


@pytest.fixture
def http(fake_x):
    with httpx.Client(base_url=fake_x.base_url, timeout=2.0) as client:
        yield client


def search(http: httpx.Client, query: str = BSNL_QUERY, **params: str) -> httpx.Response:
    return http.get("/2/tweets/search/recent", params={"query": query, **params}, headers=APP)


def ids(response: httpx.Response) -> list[str]:
    return [item["id"] for item in response.json().get("data", [])]


def add_rule(http: httpx.Client, value: str = BSNL_QUERY, tag: str = "bsnl", **params: str) -> httpx.Response:
    return http.post(
        "/2/tweets/search/stream/rules", params=params, json={"add": [{"value": value, "tag": tag}]}, headers=APP
    )


def post(http: httpx.Client, body: object, headers: dict[str, str] = AS_BSNL) -> httpx.Response:
    return http.post("/2/tweets", json=body, headers=headers)


# --- recent search ---


def test_search_matches_handles_and_hashtags_case_insensitively(fake_x, http):
    fake_x.add_tweets([
        tweet(1, "@bsnlcorporate my broadband is down"),
        tweet(2, "Bill wrong again #bsnlseva"),
        tweet(3, "@PostOfficeIndia parcel lost #PostalSeva"),
    ])  # fmt: skip

    assert ids(search(http)) == ["2", "1"]


def test_search_excludes_retweets_when_asked(fake_x, http):
    fake_x.add_tweets([tweet(1), tweet(2, "RT @asha_k: @BSNLCorporate no dial tone…", referenced_tweets=[
        {"type": "retweeted", "id": "1"}
    ])])  # fmt: skip

    assert ids(search(http)) == ["1"]


def test_search_understands_from_and_keywords(fake_x, http):
    fake_x.add_tweets(
        [tweet(1, "landline dead"), tweet(2, "mobile dead"), tweet(3, "landline fine", author_id="2001")]
    )

    assert ids(search(http, "from:asha_k landline")) == ["1"]


def test_search_with_no_match_is_only_meta(http):
    response = search(http)

    assert response.json() == {"meta": {"result_count": 0}}


def test_search_meta_names_newest_and_oldest_ids(fake_x, http):
    fake_x.add_tweets([tweet(5), tweet(9), tweet(7)])

    assert search(http).json()["meta"] == {"newest_id": "9", "oldest_id": "5", "result_count": 3}


def test_search_pages_with_next_token(fake_x, http):
    fake_x.add_tweets([tweet(n) for n in range(1, 16)])

    first = search(http, max_results="10")
    second = search(http, max_results="10", next_token=first.json()["meta"]["next_token"])

    assert ids(first) == [str(n) for n in range(15, 5, -1)]
    assert ids(second) == ["5", "4", "3", "2", "1"]
    assert "next_token" not in second.json()["meta"]


def test_search_includes_authors_and_mentioned_users_when_expanded(fake_x, http):
    fake_x.add_tweets([tweet(1)])

    response = search(http, expansions="author_id,entities.mentions.username")

    assert [user["username"] for user in response.json()["includes"]["users"]] == ["asha_k", "BSNLCorporate"]


def test_search_returns_only_the_fields_asked_for(fake_x, http):
    fake_x.add_tweets([tweet(1)])

    plain = search(http).json()
    detailed = search(http, **{"tweet.fields": "author_id,lang", "expansions": "author_id", "user.fields": "location"})

    assert set(plain["data"][0]) == {"id", "text", "edit_history_tweet_ids"}
    assert "includes" not in plain
    assert set(detailed.json()["data"][0]) == {"id", "text", "edit_history_tweet_ids", "author_id", "lang"}
    assert detailed.json()["includes"]["users"][0]["location"] == "Pune"


def test_search_rejects_max_results_outside_10_to_100(http):
    response = search(http, max_results="5")

    assert response.status_code == 400
    assert response.json()["type"].endswith("/problems/invalid-request")


def test_search_rejects_an_operator_the_fake_does_not_know(http):
    assert search(http, "@BSNLCorporate has:geo").status_code == 400


def test_search_without_a_token_is_unauthorized(http):
    response = http.get("/2/tweets/search/recent", params={"query": BSNL_QUERY})

    assert response.status_code == 401


def test_rate_limit_remaining_decreases_with_each_request(http):
    remaining = [int(search(http).headers["x-rate-limit-remaining"]) for _ in range(3)]

    assert remaining == [449, 448, 447]


def test_a_spent_rate_limit_window_answers_429():
    with FakeXApi(rate_limits={Endpoint.SEARCH: 1}) as fake, httpx.Client(base_url=fake.base_url) as http:
        search(http)
        response = search(http)

    assert response.status_code == 429
    assert response.headers["x-rate-limit-remaining"] == "0"


# --- faults ---


def test_injected_faults_are_served_in_order_then_the_endpoint_recovers(fake_x, http):
    fake_x.inject(Endpoint.SEARCH, Fault.UNAVAILABLE, times=2)

    assert [search(http).status_code for _ in range(3)] == [503, 503, 200]


def test_a_fault_is_refused_by_an_endpoint_it_does_not_apply_to(fake_x):
    with pytest.raises(ValueError, match="does not apply"):
        fake_x.inject(Endpoint.SEARCH, Fault.STALL)


def test_a_usage_capped_fault_answers_the_recorded_body(fake_x, http):
    fake_x.inject(Endpoint.POST, Fault.USAGE_CAPPED)

    response = post(http, {"text": "hello"})

    assert response.status_code == 429
    assert response.json()["type"] == "https://api.twitter.com/2/problems/usage-capped"


# --- stream rules ---


def test_adding_a_rule_reports_the_rule_and_a_summary(http):
    body = add_rule(http).json()

    assert [(rule["value"], rule["tag"]) for rule in body["data"]] == [(BSNL_QUERY, "bsnl")]
    assert body["meta"]["summary"] == {"created": 1, "not_created": 0, "valid": 1, "invalid": 0}


def test_a_dry_run_changes_no_rules(fake_x, http):
    add_rule(http, dry_run="true")

    assert fake_x.rules == []


def test_rules_can_be_deleted_by_value(fake_x, http):
    add_rule(http)

    response = http.post("/2/tweets/search/stream/rules", json={"delete": {"values": [BSNL_QUERY]}}, headers=APP)

    assert response.json()["meta"]["summary"] == {"deleted": 1, "not_deleted": 0}
    assert fake_x.rules == []


def test_a_rule_with_an_existing_value_is_not_created(http):
    add_rule(http)

    body = add_rule(http, tag="again").json()

    assert body["meta"]["summary"]["not_created"] == 1
    assert body["errors"][0]["title"] == "DuplicateRule"


def test_an_unparseable_rule_is_a_400(http):
    response = add_rule(http, value="(@BSNLCorporate OR")

    assert response.status_code == 400
    assert response.json()["errors"][0]["type"].endswith("/problems/invalid-rules")


def test_rules_need_the_app_token(http):
    assert http.get("/2/tweets/search/stream/rules", headers=AS_BSNL).status_code == 403


# --- filtered stream ---


def open_stream(http: httpx.Client, **params: str):
    return http.stream("GET", "/2/tweets/search/stream", params=params, headers=APP)


def test_the_stream_answers_409_without_rules(http):
    with open_stream(http) as response:
        assert response.status_code == 409


def test_a_stream_line_carries_the_tweet_its_includes_and_matching_rules(fake_x, http):
    rule_id = add_rule(http).json()["data"][0]["id"]
    with open_stream(http, expansions="author_id") as response:
        lines = response.iter_lines()
        assert next(lines) == ""  # a keep-alive: connected
        fake_x.push_to_stream([tweet(1)])
        line = next(line for line in lines if line)

    assert response.headers["transfer-encoding"] == "chunked"
    assert orjson.loads(line) == {
        "data": {"id": "1", "text": tweet(1)["text"], "edit_history_tweet_ids": ["1"]},
        "includes": {"users": [{"id": "1001", "name": "Asha K", "username": "asha_k"}]},
        "matching_rules": [{"id": rule_id, "tag": "bsnl"}],
    }


def test_the_stream_skips_tweets_no_rule_matches(fake_x, http):
    add_rule(http)

    assert fake_x.push_to_stream([tweet(1, "@PostOfficeIndia parcel lost")]) == 0


def test_a_duplicate_fault_delivers_each_tweet_twice(fake_x, http):
    add_rule(http)
    fake_x.inject(Endpoint.STREAM, Fault.DUPLICATE)
    with open_stream(http) as response:
        lines = response.iter_lines()
        assert next(lines) == ""
        fake_x.push_to_stream([tweet(1)])
        delivered = [next(line for line in lines if line), next(line for line in lines if line)]

    assert delivered[0] == delivered[1]


def test_a_raw_line_reaches_open_streams_as_is(fake_x, http):
    add_rule(http)
    with open_stream(http) as response:
        lines = response.iter_lines()
        assert next(lines) == ""
        fake_x.push_raw_to_stream(b"{not json")
        line = next(line for line in lines if line)

    assert line == "{not json"


def test_stopping_the_fake_ends_open_streams_cleanly(http):
    fake = FakeXApi(keepalive_interval=0.05).start()
    with httpx.Client(base_url=fake.base_url, timeout=2.0) as client:
        add_rule(client)
        with open_stream(client) as response:
            lines = response.iter_lines()
            assert next(lines) == ""
            fake.stop()
            assert all(line == "" for line in lines)  # ends without a protocol error


# --- POST /2/tweets ---


def test_a_post_is_answered_201_with_its_id_and_edit_history(fake_x, http):
    response = post(http, {"text": TICKET_TEXT})

    data = response.json()["data"]
    assert response.status_code == 201
    assert data == {
        "id": data["id"],
        "text": "Your ticket is BSNL-2611-000123.",
        "edit_history_tweet_ids": [data["id"]],
    }


def test_a_post_needs_a_user_token(http):
    response = post(http, {"text": "hello"}, headers=APP)

    assert response.status_code == 403
    assert response.json()["title"] == "Unsupported Authentication"


def test_a_post_without_a_token_is_unauthorized(http):
    assert post(http, {"text": "hello"}, headers={}).status_code == 401


def test_a_post_with_an_unknown_key_is_a_400(fake_x, http):
    response = post(http, {"text": "hello", "in_reply_to_status_id": "1"})

    assert response.status_code == 400
    assert fake_x.posted == []


def test_a_post_with_a_numeric_in_reply_to_tweet_id_is_a_400(fake_x, http):
    fake_x.add_tweets([tweet(1)])

    response = post(http, {"text": "hello", "reply": {"in_reply_to_tweet_id": 1}})

    assert response.status_code == 400


def test_a_reply_continuing_the_accounts_own_thread_is_allowed(fake_x, http):
    fake_x.add_tweets([tweet(1, "no dial tone #BSNLSeva", author_id=BSNL["id"])])

    response = post(http, {"text": "(2/2) We will call you.", "reply": {"in_reply_to_tweet_id": "1"}})

    assert response.status_code == 201


def test_a_reply_to_a_post_quoting_the_account_is_allowed(fake_x, http):
    fake_x.add_tweets([tweet(1, "Line restored", author_id=BSNL["id"])])
    fake_x.add_tweets([tweet(2, "Still dead!", referenced_tweets=[{"type": "quoted", "id": "1"}])])

    response = post(
        http, {"text": "@asha_k Sorry, an engineer is on the way.", "reply": {"in_reply_to_tweet_id": "2"}}
    )

    assert response.status_code == 201


def test_a_posted_reply_joins_the_conversation_and_the_accounts_timeline(fake_x, http):
    fake_x.add_tweets([tweet(1, conversation_id="1")])
    reply_id = post(http, {"text": "@asha_k Noted.", "reply": {"in_reply_to_tweet_id": "1"}}).json()["data"]["id"]

    me = http.get("/2/users/me", headers=AS_BSNL).json()["data"]
    timeline = http.get(
        f"/2/users/{me['id']}/tweets",
        params={"tweet.fields": "conversation_id,in_reply_to_user_id,referenced_tweets"},
        headers=AS_BSNL,
    ).json()

    assert me["username"] == "BSNLCorporate"
    assert timeline["data"] == [{
        "id": reply_id, "text": "@asha_k Noted.", "edit_history_tweet_ids": [reply_id], "conversation_id": "1",
        "in_reply_to_user_id": "1001", "referenced_tweets": [{"type": "replied_to", "id": "1"}],
    }]  # fmt: skip


def test_every_post_attempt_is_recorded_with_its_status(fake_x, http):
    post(http, {"text": "hello"})
    post(http, {"text": "hello"})

    assert [attempt.status for attempt in fake_x.post_attempts] == [201, 403]


# --- control endpoints ---


def test_control_tweets_stores_a_page_and_streams_its_data(fake_x, http):
    add_rule(http)
    page = {"data": [tweet(2, referenced_tweets=[{"type": "replied_to", "id": "1"}])], "includes": {
        "users": [CITIZEN], "tweets": [tweet(1)]
    }}  # fmt: skip
    with open_stream(http) as response:
        lines = response.iter_lines()
        assert next(lines) == ""
        answer = http.post("/_fake/tweets", json=page)
        streamed = orjson.loads(next(line for line in lines if line))

    assert answer.json() == {"data": {"stored": 1, "stream_lines": 1}}
    assert streamed["data"]["id"] == "2"
    assert ids(search(http)) == ["2", "1"]


def test_control_tweets_rejects_a_user_without_username(http):
    response = http.post("/_fake/tweets", json={"data": [], "includes": {"users": [{"id": "1"}]}})

    assert response.status_code == 400


def test_control_posted_lists_the_accepted_posts(http):
    post(http, {"text": "Your ticket is BSNL-2611-000124."})

    [record] = http.get("/_fake/posted").json()["data"]

    assert (record["account"], record["text"], record["response_withheld"]) == (
        "BSNLCorporate",
        "Your ticket is BSNL-2611-000124.",
        False,
    )


def test_control_faults_queues_a_fault(http):
    answer = http.post("/_fake/faults", json={"endpoint": "search", "fault": "rate_limited", "reset_in": 30})

    assert answer.status_code == 201
    assert search(http).status_code == 429


def test_control_faults_rejects_an_unknown_fault(http):
    answer = http.post("/_fake/faults", json={"endpoint": "search", "fault": "meteor_strike"})

    assert answer.status_code == 400


# --- speaking X exactly: problem+json errors, booleans ---


def _no_rules_stream(http: httpx.Client) -> httpx.Response:
    with open_stream(http) as response:
        response.read()
        return response


ERROR_ANSWERS = {
    "401 no token": (401, lambda fake, http: http.get("/2/tweets/search/recent", params={"query": BSNL_QUERY})),
    "400 bad parameter": (400, lambda fake, http: search(http, max_results="5")),
    "403 wrong token kind": (403, lambda fake, http: http.get("/2/tweets/search/stream/rules", headers=AS_BSNL)),
    "403 duplicate content": (
        403,
        lambda fake, http: [post(http, {"text": TICKET_TEXT}), post(http, {"text": TICKET_TEXT})][-1],
    ),
    "404 unknown path": (404, lambda fake, http: http.get("/2/nothing/here", headers=APP)),
    "409 stream without rules": (409, lambda fake, http: _no_rules_stream(http)),
    "429 rate limited": (
        429,
        lambda fake, http: [fake.inject(Endpoint.SEARCH, Fault.RATE_LIMITED), search(http)][-1],
    ),
    "429 usage capped": (
        429,
        lambda fake, http: [fake.inject(Endpoint.SEARCH, Fault.USAGE_CAPPED), search(http)][-1],
    ),
    "503 unavailable": (
        503,
        lambda fake, http: [fake.inject(Endpoint.POST, Fault.UNAVAILABLE), post(http, {"text": "hi"})][-1],
    ),
}


@pytest.mark.parametrize("case", list(ERROR_ANSWERS))
def test_every_error_is_answered_as_problem_json_with_xs_problem_fields(fake_x, http, case):
    expected_status, request = ERROR_ANSWERS[case]

    response = request(fake_x, http)

    assert response.status_code == expected_status
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    problem = response.json()
    # X's Problem schema: `type` and `title` always; `detail`; `status`, where X sends it, the HTTP status.
    assert isinstance(problem["type"], str)
    assert isinstance(problem["title"], str)
    assert isinstance(problem["detail"], str)
    assert problem.get("status", expected_status) == expected_status


def test_successes_and_partial_errors_stay_application_json(fake_x, http):
    fake_x.add_tweets([tweet(1, referenced_tweets=[{"type": "quoted", "id": "404"}])])

    response = search(http, expansions="referenced_tweets.id")

    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "application/json"
    assert response.json()["errors"][0]["type"].endswith("/problems/resource-not-found")


@pytest.mark.parametrize("value", ["true", "True", "TRUE"])
def test_a_dry_run_is_a_dry_run_however_the_sdk_spells_true(fake_x, http, value):
    response = add_rule(http, dry_run=value)

    assert response.status_code == 200
    assert response.json()["meta"]["summary"]["created"] == 1  # what it would do...
    assert fake_x.rules == []  # ...without doing it


@pytest.mark.parametrize("value", ["True", "true"])
def test_a_dry_run_delete_deletes_nothing(fake_x, http, value):
    add_rule(http)

    response = http.post(
        "/2/tweets/search/stream/rules",
        params={"dry_run": value},
        json={"delete": {"values": [BSNL_QUERY]}},
        headers=APP,
    )

    assert response.json()["meta"]["summary"] == {"deleted": 1, "not_deleted": 0}
    assert [rule["value"] for rule in fake_x.rules] == [BSNL_QUERY]


@pytest.mark.parametrize("value", ["false", "False"])
def test_dry_run_false_changes_the_rules(fake_x, http, value):
    add_rule(http, dry_run=value)

    assert [rule["value"] for rule in fake_x.rules] == [BSNL_QUERY]


def test_a_boolean_parameter_that_is_no_boolean_is_a_400(fake_x, http):
    response = add_rule(http, dry_run="yes")

    assert response.status_code == 400
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    assert response.json()["errors"][0]["parameters"] == {"dry_run": ["yes"]}
    assert fake_x.rules == []
