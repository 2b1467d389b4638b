"""Real-shaped X API v2 payloads for tests, built by construction."""

import itertools
from datetime import UTC, datetime, timedelta

_ids = itertools.count(900_000_000_000_000_000)
BASE_TIME = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)

MINISTER = ("manojsinhabjp", "1000001")
BSNL = ("BSNLCorporate", "1000003")
POSTS = ("PostOfficeIndia", "1000005")


def next_id() -> str:
    return str(next(_ids))


def v2_tweet(
    text: str,
    *,
    author: tuple[str, str] = ("citizen_one", "3000000001"),
    tweet_id: str | None = None,
    conversation_id: str | None = None,
    reply_to: str | None = None,
    minutes: int = 0,
    mentions: list[tuple[str, str]] = (),
    edit_history: list[str] | None = None,
    retweet_of: str | None = None,
    lang: str = "en",
) -> dict:
    """A v2 search page with one tweet (and its author in includes)."""
    tweet_id = tweet_id or next_id()
    tweet = {
        "id": tweet_id,
        "text": text,
        "author_id": author[1],
        "created_at": (BASE_TIME + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "conversation_id": conversation_id or tweet_id,
        "lang": lang,
        "edit_history_tweet_ids": edit_history or [tweet_id],
    }
    if mentions:
        entities, position = [], 0
        for username, user_id in mentions:
            start = text.find("@" + username, position)
            entities.append({"start": start, "end": start + len(username) + 1, "username": username, "id": user_id})
            position = start + 1
        tweet["entities"] = {"mentions": entities}
    if reply_to:
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
        tweet["in_reply_to_user_id"] = "1"
    if retweet_of:
        tweet["referenced_tweets"] = [{"type": "retweeted", "id": retweet_of}]
    return {"data": [tweet], "includes": {"users": [{"id": author[1], "username": author[0], "name": author[0]}]}}


def tweet_id_of(page: dict) -> str:
    return page["data"][0]["id"]


RAIL_MINISTER = ("RailMinIndia", "1100001")
CENTRAL_RAILWAY = ("Central_Railway", "1100004")


def ticket_for(page: dict):
    """The ticket a page's tweet is on (its department and unit loaded)."""
    from tickets.models import TicketMessage

    return (
        TicketMessage.objects.select_related("ticket__department", "ticket__unit")
        .get(tweet_id=int(tweet_id_of(page)))
        .ticket
    )
