"""The tweet generator: valid X usernames, one id per handle, a clock that never passes now."""

import re
from datetime import UTC, datetime, timedelta

from devtools.tweet_generator import OFFICIALS, TweetGenerator


def test_every_simulated_handle_is_a_valid_x_username():
    pages = list(TweetGenerator(seed=3, citizens=99_999).pages(3_000))

    handles = {user["username"] for page in pages for user in page["includes"]["users"]}
    handles |= {
        m["username"] for page in pages for t in page["data"] for m in t.get("entities", {}).get("mentions", [])
    }
    handles |= {handle for handle, _ in OFFICIALS.values()}

    assert len(handles) > 1_000
    assert [handle for handle in handles if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", handle)] == []
    # One handle, one account: the same name never comes with two user ids.
    owners: dict[str, set[str]] = {}
    for page in pages:
        for user in page["includes"]["users"]:
            owners.setdefault(user["username"].lower(), set()).add(user["id"])
    assert all(len(ids) == 1 for ids in owners.values())


def test_the_generator_stops_its_clock_at_now():
    start = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    generator = TweetGenerator(seed=5, start=start, now=lambda: start + timedelta(seconds=10))

    tweets = {page["data"][0]["id"]: page["data"][0] for page in generator.pages(200)}
    dates = [tweets[tweet_id]["created_at"] for tweet_id in sorted(tweets, key=int)]

    assert max(dates) <= "2026-11-20T03:00:10.000Z"
    assert dates == sorted(dates)


def test_the_generator_sends_both_ministries_traffic_each_to_its_own_minister():
    from devtools.tweet_generator import MINISTRY

    ministers = {OFFICIALS[code][1]: code for code in ("MOC", "RAIL")}
    tagged: dict[str, int] = {}
    for page in TweetGenerator(seed=7).pages(2_000):
        tweet = page["data"][0]
        mentioned = [m["id"] for m in tweet.get("entities", {}).get("mentions", [])]
        for user_id in mentioned:
            if user_id in ministers:
                tagged[ministers[user_id]] = tagged.get(ministers[user_id], 0) + 1
        # A complaint never tags the other ministry's accounts beside its own minister.
        ministries = {MINISTRY[code] for code, (_, user_id) in OFFICIALS.items() if user_id in mentioned}
        assert len(ministries) <= 1, tweet["text"]

    assert tagged["MOC"] > tagged["RAIL"] > 200
