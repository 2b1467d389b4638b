"""Response bodies as the X API v2 shapes them: field selection, expansions, problems.

Error bodies are those recorded from the real API (X_API.md, data/x-api-samples/errors_observed.json);
where X_API.md marks a shape UNVERIFIED, the same problem+json form is used.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from devtools.fake_x.query import MENTION_RE

# Returned whatever `tweet.fields` / `user.fields` ask for (X_API.md 2.1).
DEFAULT_TWEET_FIELDS = frozenset({"id", "text", "edit_history_tweet_ids"})
DEFAULT_USER_FIELDS = frozenset({"id", "name", "username"})

INVALID_REQUEST_TYPE = "https://api.twitter.com/2/problems/invalid-request"


@dataclass(frozen=True, slots=True)
class FieldSelection:
    """The `tweet.fields`, `user.fields` and `expansions` of one request (or one stream connection)."""

    tweet_fields: frozenset[str]
    user_fields: frozenset[str]
    expansions: frozenset[str]

    @classmethod
    def from_params(cls, params: dict[str, str]) -> "FieldSelection":
        def listed(name: str) -> frozenset[str]:
            return frozenset(item for item in params.get(name, "").split(",") if item)

        return cls(
            tweet_fields=DEFAULT_TWEET_FIELDS | listed("tweet.fields"),
            user_fields=DEFAULT_USER_FIELDS | listed("user.fields"),
            expansions=listed("expansions"),
        )

    def tweet(self, tweet: dict) -> dict:
        return {key: value for key, value in tweet.items() if key in self.tweet_fields}

    def user(self, user: dict) -> dict:
        return {key: value for key, value in user.items() if key in self.user_fields}


def expand(
    tweets: list[dict],
    selection: FieldSelection,
    users_by_id: dict[str, dict],
    users_by_username: dict[str, dict],
    tweets_by_id: dict[str, dict],
) -> tuple[dict, list[dict]]:
    """The `includes` pools the requested expansions ask for, and the partial `errors` X sends along (HTTP 200)
    for referenced tweets it cannot find. Users the fake does not know are left out silently."""
    expansions = selection.expansions
    referenced, errors = [], []
    if "referenced_tweets.id" in expansions:
        for tweet in tweets:
            for ref in tweet.get("referenced_tweets") or []:
                if ref.get("id") in tweets_by_id:
                    referenced.append(tweets_by_id[ref["id"]])
                else:
                    errors.append(_referenced_tweet_not_found(str(ref.get("id"))))
    user_ids: list[str] = []
    if "author_id" in expansions:
        user_ids += [tweet["author_id"] for tweet in tweets if "author_id" in tweet]
    if "in_reply_to_user_id" in expansions:
        user_ids += [tweet["in_reply_to_user_id"] for tweet in tweets if "in_reply_to_user_id" in tweet]
    if "entities.mentions.username" in expansions:
        for tweet in tweets:
            for username in mentioned_usernames(tweet):
                user = users_by_username.get(username.lower())
                if user is not None:
                    user_ids.append(user["id"])
    if "referenced_tweets.id.author_id" in expansions:
        user_ids += [tweet["author_id"] for tweet in referenced if "author_id" in tweet]

    includes: dict[str, list[dict]] = {}
    users = [selection.user(users_by_id[user_id]) for user_id in _unique(user_ids) if user_id in users_by_id]
    if users:
        includes["users"] = users
    if referenced:
        by_id = {tweet["id"]: tweet for tweet in referenced}
        includes["tweets"] = [selection.tweet(by_id[tweet_id]) for tweet_id in _unique(list(by_id))]
    return includes, errors


def _referenced_tweet_not_found(tweet_id: str) -> dict:
    return {
        "value": tweet_id,
        "detail": f"Could not find tweet with referenced_tweets.id: [{tweet_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "referenced_tweets.id",
        "resource_id": tweet_id,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


def mentioned_usernames(tweet: dict) -> list[str]:
    """In order of appearance: from `entities` where the tweet has them, else read from its text."""
    mentions = (tweet.get("entities") or {}).get("mentions")
    if mentions is not None:
        return [mention.get("username", "") for mention in mentions]
    return MENTION_RE.findall(tweet.get("text", ""))


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def problem(status: int, title: str, detail: str, type_: str = "about:blank", **extra: object) -> dict:
    return {"title": title, "detail": detail, "type": type_, "status": status, **extra}


def invalid_request(
    messages: Iterable[str] = (),
    *,
    errors: Iterable[dict] = (),
    parameters: dict[str, list[str]] | None = None,
    **extra: object,
) -> dict:
    """X's 400 body: `errors` holds one entry per problem (a message, or a richer object such as a rule's);
    a bad query parameter's entry names it and the value given (`parameters`), as X's do."""
    named = {"parameters": parameters} if parameters else {}
    return {
        "errors": [{**named, "message": message} for message in messages] + list(errors),
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST_TYPE,
        **extra,
    }


RATE_LIMITED = problem(429, "Too Many Requests", "Too Many Requests")
USAGE_CAPPED = {
    "title": "UsageCapExceeded",
    "detail": "Usage cap exceeded: Monthly product cap",
    "type": "https://api.twitter.com/2/problems/usage-capped",
    "period": "Monthly",
    "scope": "Product",
}
SERVICE_UNAVAILABLE = problem(503, "Service Unavailable", "Service Unavailable")
UNAUTHORIZED = problem(401, "Unauthorized", "Unauthorized")
DUPLICATE_CONTENT = problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
# Only the message is on record (X_API.md 6); the envelope follows the duplicate-content one.
REPLY_NOT_ALLOWED = problem(
    403,
    "Forbidden",
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged "
    "by the author of the post you are replying to.",
)
NO_STREAM_RULES = problem(409, "Conflict", "Stream has no rules (filtered stream only).")
NOT_FOUND = problem(404, "Not Found Error", "The requested resource could not be found.")
OPERATIONAL_DISCONNECT = {
    "errors": [
        {
            "title": "operational-disconnect",
            "disconnect_type": "UpstreamOperationalDisconnect",
            "detail": "This stream has been disconnected upstream for operational reasons.",
            "type": "https://api.x.com/2/problems/operational-disconnect",
        }
    ]
}


def unsupported_authentication(used: str, supported: str) -> dict:
    return problem(
        403,
        "Unsupported Authentication",
        f"Authenticating with {used} is forbidden for this endpoint.  Supported authentication types are "
        f"[{supported}].",
        "https://api.twitter.com/2/problems/unsupported-authentication",
    )
