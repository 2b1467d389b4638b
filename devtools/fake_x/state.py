"""What the fake X API knows: tweets and users, stream rules and open streams, posts received.

Every method takes the one lock, so the HTTP handler threads, the tests and the control endpoints
can all touch it at once. Bodies are built here; `server.py` only moves them over HTTP.
"""

import hashlib
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from devtools.fake_x import documents
from devtools.fake_x.documents import FieldSelection, expand, invalid_request
from devtools.fake_x.query import HASHTAG_RE, MENTION_RE, Predicate, QuerySyntaxError, parse_query, tweet_facts

# Twitter's snowflake epoch (2010-11-04), so new ids look like, and sort after, real ones.
_SNOWFLAKE_EPOCH_MS = 1288834974657
# Keys of POST /2/tweets and of its `reply` object; the schema has additionalProperties: false (X_API.md 6).
_POST_KEYS = frozenset({
    "text", "reply", "quote_tweet_id", "media", "poll", "reply_settings", "geo", "community_id",
    "for_super_followers_only", "card_uri", "nullcast", "edit_options", "made_with_ai", "paid_partnership",
})  # fmt: skip
_REPLY_KEYS = frozenset({"in_reply_to_tweet_id", "exclude_reply_user_ids", "auto_populate_reply_metadata"})
_NEXT_TOKEN_PREFIX = "fx"  # noqa: S105 (a paging token, not a secret)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordedPost:
    """A post the fake accepted (it exists on the fake X from then on)."""

    id: str
    account: str  # the posting account's handle, as its token names it
    text: str
    in_reply_to_tweet_id: str | None
    created_at: datetime
    response_withheld: bool  # a TIMEOUT_AFTER_POST fault dropped or delayed the 201


@dataclass(frozen=True, slots=True)
class PostAttempt:
    """Every POST /2/tweets that got past authentication, whatever its outcome."""

    account: str
    body: object
    status: int


@dataclass(slots=True)
class StreamConnection:
    selection: FieldSelection
    # Lines to write; None ends the body cleanly (the server is stopping).
    lines: "queue.Queue[bytes | None]" = field(default_factory=queue.Queue)


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    value: str
    tag: str | None
    matches: Predicate

    def as_dict(self) -> dict:
        return {"id": self.id, "value": self.value} | ({"tag": self.tag} if self.tag is not None else {})


class FakeXState:
    def __init__(self, *, max_rules: int = 1000, max_rule_length: int = 1024) -> None:
        self.lock = threading.RLock()
        # The plan's limits (pay-per-use: 1,000 rules of 1,024 characters, X_API.md 4.1).
        self.max_rules, self.max_rule_length = max_rules, max_rule_length
        self.stream_connections_opened = 0  # every stream connection ever accepted
        self.tweets: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self._users_by_username: dict[str, dict] = {}
        self._rules: dict[str, _Rule] = {}
        self._connections: list[StreamConnection] = []
        self.posted: list[RecordedPost] = []
        self.post_attempts: list[PostAttempt] = []
        self._newest_id = 0

    # --- the store ---------------------------------------------------------------------------

    def add_tweets(self, tweets: Iterable[dict], users: Iterable[dict] = ()) -> list[dict]:
        with self.lock:
            for user in users:
                self.users[str(user["id"])] = user
                self._users_by_username[user["username"].lower()] = user
            added = []
            for tweet in tweets:
                self.tweets[str(tweet["id"])] = tweet
                self._newest_id = max(self._newest_id, int(tweet["id"]))
                added.append(tweet)
            return added

    def _author_username(self, tweet: dict) -> str:
        return self.users.get(tweet.get("author_id", ""), {}).get("username", "")

    def _expanded(self, body: dict, tweets: list[dict], selection: FieldSelection) -> dict:
        includes, errors = expand(tweets, selection, self.users, self._users_by_username, self.tweets)
        if includes:
            body["includes"] = includes
        if errors:
            body["errors"] = errors
        return body

    def _next_id(self) -> str:
        """A snowflake-like id from the clock, always newer than every tweet the fake knows."""
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        self._newest_id = max((now_ms - _SNOWFLAKE_EPOCH_MS) << 22, self._newest_id + 1)
        return str(self._newest_id)

    def _page(self, tweets: list[dict], params: dict[str, str], limits: tuple[int, int]) -> Answer:
        """One page, newest first, of the tweets that pass since_id / until_id / the paging token
        (`next_token`, or its alias `pagination_token`)."""
        low, high = limits
        raw_max = params.get("max_results", "10")
        if not raw_max.isdigit() or not low <= int(raw_max) <= high:
            return Answer(400, invalid_request([
                f"The `max_results` query parameter value [{raw_max}] is not between {low} and {high}"
            ], parameters={"max_results": [raw_max]}))  # fmt: skip
        bounds = {name: params.get(name) for name in ("since_id", "until_id")}
        token = params.get("next_token") or params.get("pagination_token")
        if token is not None:
            bounds["until_id"] = token.removeprefix(_NEXT_TOKEN_PREFIX)
        for name, value in bounds.items():
            if value is not None and not value.isdigit():
                return Answer(400, invalid_request(
                    [f"The `{name}` query parameter value [{value}] is not valid"], parameters={name: [value]}
                ))  # fmt: skip
        since_id, until_id = (int(bounds[name]) if bounds[name] else None for name in ("since_id", "until_id"))
        candidates = sorted(
            (
                tweet
                for tweet in tweets
                if (since_id is None or int(tweet["id"]) > since_id)
                and (until_id is None or int(tweet["id"]) < until_id)
            ),
            key=lambda tweet: int(tweet["id"]),
            reverse=True,
        )
        page = candidates[: int(raw_max)]
        if not page:
            return Answer(200, {"meta": {"result_count": 0}})
        selection = FieldSelection.from_params(params)
        body = self._expanded({"data": [selection.tweet(tweet) for tweet in page]}, page, selection)
        meta = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page)}
        if len(candidates) > len(page):
            meta["next_token"] = f"{_NEXT_TOKEN_PREFIX}{page[-1]['id']}"
        body["meta"] = meta
        return Answer(200, body)

    def search_recent(self, params: dict[str, str]) -> Answer:
        query = params.get("query", "")
        try:
            matches = parse_query(query)
        except QuerySyntaxError as error:
            return Answer(400, invalid_request([f"Invalid query {query!r}: {error}"]))
        with self.lock:
            found = [
                tweet for tweet in self.tweets.values() if matches(tweet_facts(tweet, self._author_username(tweet)))
            ]
            return self._page(found, params, (10, 100))

    def user_tweets(self, user_id: str, params: dict[str, str]) -> Answer:
        with self.lock:
            if user_id not in self.users:
                return Answer(404, documents.NOT_FOUND)
            authored = [tweet for tweet in self.tweets.values() if tweet.get("author_id") == user_id]
            return self._page(authored, params, (5, 100))

    def account_user(self, handle: str) -> dict:
        """The user behind a posting account; one with a stable id made up from the handle if the fake has none."""
        with self.lock:
            user = self._users_by_username.get(handle.lower())
            if user is None:
                user_id = str(int.from_bytes(hashlib.sha256(handle.lower().encode()).digest()[:7]))
                user = {"id": user_id, "name": handle, "username": handle}
                self.add_tweets([], [user])
            return user

    # --- stream rules ------------------------------------------------------------------------

    def rules(self) -> Answer:
        with self.lock:
            data = [rule.as_dict() for rule in self._rules.values()]
        meta = {"sent": _now_iso(), "result_count": len(data)}
        return Answer(200, {"data": data, "meta": meta} if data else {"meta": meta})

    def change_rules(self, body: object, dry_run: bool) -> Answer:
        if not isinstance(body, dict) or len(body) != 1 or not ({"add", "delete"} & body.keys()):
            return Answer(400, invalid_request(["The request body must hold exactly one of `add` or `delete`"]))
        with self.lock:
            if "add" in body:
                return self._add_rules(body["add"], dry_run)
            return self._delete_rules(body["delete"], dry_run)

    def _add_rules(self, additions: object, dry_run: bool) -> Answer:
        if not isinstance(additions, list) or not all(
            isinstance(item, dict) and isinstance(item.get("value"), str) for item in additions
        ):
            return Answer(400, invalid_request(["`add` must be a list of {value, tag} objects"]))
        invalid = []
        for item in additions:
            if len(item["value"]) > self.max_rule_length:
                invalid.append({
                    "value": item["value"], "title": "UnprocessableEntity",
                    "details": [f"Rule length exceeds the maximum of {self.max_rule_length} characters"],
                    "type": "https://api.twitter.com/2/problems/invalid-rules",
                })  # fmt: skip
                continue
            try:
                parse_query(item["value"])
            except QuerySyntaxError as error:
                invalid.append({
                    "value": item["value"], "details": [str(error)], "title": "UnprocessableEntity",
                    "type": "https://api.twitter.com/2/problems/invalid-rules",
                })  # fmt: skip
        if invalid:
            summary = {
                "created": 0, "not_created": len(additions), "valid": len(additions) - len(invalid),
                "invalid": len(invalid),
            }  # fmt: skip
            return Answer(400, invalid_request(errors=invalid, meta={"sent": _now_iso(), "summary": summary}))
        created, duplicates = [], []
        existing = {rule.value: rule.id for rule in self._rules.values()}
        for item in additions:
            if item["value"] in existing:
                duplicates.append({
                    "value": item["value"], "id": existing[item["value"]], "title": "DuplicateRule",
                    "type": "https://api.twitter.com/2/problems/duplicate-rules",
                })  # fmt: skip
                continue
            if len(self._rules) + len(created) >= self.max_rules:
                # The exact wire body of X's cap refusal is not documented (X_API.md 10): a per-rule error.
                duplicates.append({
                    "value": item["value"], "title": "RulesCapExceeded",
                    "detail": f"Rule cap of {self.max_rules} rules exceeded",
                    "type": "https://api.twitter.com/2/problems/rule-cap",
                })  # fmt: skip
                continue
            rule = _Rule(self._next_id(), item["value"], item.get("tag"), parse_query(item["value"]))
            existing[rule.value] = rule.id
            created.append(rule)
        if not dry_run:
            self._rules.update({rule.id: rule for rule in created})
        summary = {"created": len(created), "not_created": len(duplicates), "valid": len(additions), "invalid": 0}
        body: dict = {"data": [rule.as_dict() for rule in created]} if created else {}
        if duplicates:
            body["errors"] = duplicates
        body["meta"] = {"sent": _now_iso(), "summary": summary}
        return Answer(200, body)

    def _delete_rules(self, deletion: object, dry_run: bool) -> Answer:
        if not isinstance(deletion, dict) or not ({"ids", "values"} & deletion.keys()):
            return Answer(400, invalid_request(["`delete` must hold `ids` or `values`"]))
        by_value = {rule.value: rule.id for rule in self._rules.values()}
        requested = [("id", rule_id, rule_id) for rule_id in deletion.get("ids", [])]
        requested += [("value", value, by_value.get(value)) for value in deletion.get("values", [])]
        deleted, errors = [], []
        for key, asked, rule_id in requested:
            if rule_id in self._rules:
                deleted.append(rule_id)
            else:
                errors.append({
                    key: asked, "title": "Not Found", "detail": "Rule does not exist",
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                })  # fmt: skip
        if not dry_run:
            for rule_id in deleted:
                self._rules.pop(rule_id, None)
        body: dict = {"errors": errors} if errors else {}
        body["meta"] = {"sent": _now_iso(), "summary": {"deleted": len(deleted), "not_deleted": len(errors)}}
        return Answer(200, body)

    # --- streams -----------------------------------------------------------------------------

    def open_stream(self, params: dict[str, str]) -> StreamConnection | Answer:
        with self.lock:
            if not self._rules:
                return Answer(409, documents.NO_STREAM_RULES)
            connection = StreamConnection(FieldSelection.from_params(params))
            self._connections.append(connection)
            self.stream_connections_opened += 1
            return connection

    def close_stream(self, connection: StreamConnection) -> None:
        with self.lock:
            if connection in self._connections:
                self._connections.remove(connection)

    def close_all_streams(self) -> None:
        with self.lock:
            for connection in self._connections:
                connection.lines.put(None)

    def push_to_stream(self, tweets: Iterable[dict], users: Iterable[dict] = ()) -> int:
        """Store the tweets, then deliver each to every open stream it matches a rule of; returns lines queued."""
        with self.lock:
            return self._deliver(self.add_tweets(tweets, users))

    def push_raw_to_stream(self, line: bytes) -> None:
        with self.lock:
            for connection in self._connections:
                connection.lines.put(line)

    def _deliver(self, tweets: list[dict]) -> int:
        queued = 0
        for tweet in tweets:
            facts = tweet_facts(tweet, self._author_username(tweet))
            matching = [{"id": r.id, "tag": r.tag or ""} for r in self._rules.values() if r.matches(facts)]
            if not matching:
                continue
            for connection in self._connections:
                selection = connection.selection
                document = self._expanded({"data": selection.tweet(tweet)}, [tweet], selection)
                document["matching_rules"] = matching
                connection.lines.put(orjson.dumps(document))
                queued += 1
        return queued

    # --- posting -----------------------------------------------------------------------------

    def create_tweet(self, account: str, body: object, *, response_withheld: bool = False) -> Answer:
        with self.lock:
            answer = self._create_tweet(account, body, response_withheld)
            self.post_attempts.append(PostAttempt(account, body, answer.status))
            return answer

    def _create_tweet(self, account: str, body: object, response_withheld: bool) -> Answer:
        if not isinstance(body, dict):
            return Answer(400, invalid_request(["The request body is not a JSON object"]))
        reply = body.get("reply")
        unknown = [f"$.{key}" for key in body if key not in _POST_KEYS]
        if isinstance(reply, dict):
            unknown += [f"$.reply.{key}" for key in reply if key not in _REPLY_KEYS]
        if unknown:
            return Answer(400, invalid_request([
                f"{path}: is not defined in the schema and the schema does not allow additional properties"
                for path in unknown
            ]))  # fmt: skip
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return Answer(400, invalid_request(["$.text: a non-empty string is expected"]))
        in_reply_to = None
        if reply is not None:
            in_reply_to = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
            if not isinstance(in_reply_to, str) or not in_reply_to.isdigit():
                return Answer(400, invalid_request([
                    f"$.reply.in_reply_to_tweet_id: {type(in_reply_to).__name__} found, a string of digits expected"
                ]))  # fmt: skip
        if any(post.account.lower() == account.lower() and post.text == text for post in self.posted):
            return Answer(403, documents.DUPLICATE_CONTENT)
        parent = self.tweets.get(in_reply_to or "")
        if parent is not None and not self._summoned(account, parent):
            return Answer(403, documents.REPLY_NOT_ALLOWED)

        tweet = self._new_tweet(self.account_user(account), text, parent, in_reply_to)
        self.posted.append(RecordedPost(tweet["id"], account, text, in_reply_to, datetime.now(UTC), response_withheld))
        # Our own post is on X now: searchable, and echoed to streams whose rules it matches.
        self._deliver(self.add_tweets([tweet]))
        return Answer(201, {"data": {"id": tweet["id"], "text": text, "edit_history_tweet_ids": [tweet["id"]]}})

    def _summoned(self, account: str, parent: dict) -> bool:
        """X lets an app reply only where the author mentioned or quoted the replying account (X_API.md 6)."""
        account = account.lower()
        if self._author_username(parent).lower() == account:
            return True  # continuing our own thread
        if account in tweet_facts(parent, "").mentions:
            return True
        for reference in parent.get("referenced_tweets") or []:
            quoted = self.tweets.get(reference.get("id", ""))
            if reference.get("type") == "quoted" and quoted and self._author_username(quoted).lower() == account:
                return True
        return False

    def _new_tweet(self, author: dict, text: str, parent: dict | None, in_reply_to: str | None) -> dict:
        tweet_id = self._next_id()
        tweet: dict = {
            "id": tweet_id,
            "text": text,
            "edit_history_tweet_ids": [tweet_id],
            "author_id": author["id"],
            "created_at": _now_iso(),
            "conversation_id": tweet_id,
            "lang": "en",
        }
        if in_reply_to is not None:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": in_reply_to}]
        if parent is not None:
            tweet["conversation_id"] = parent.get("conversation_id", parent["id"])
            if "author_id" in parent:
                tweet["in_reply_to_user_id"] = parent["author_id"]
        entities = self._entities(text)
        if entities:
            tweet["entities"] = entities
        return tweet

    def _entities(self, text: str) -> dict:
        """Mention and hashtag entities as X computes them: code-point offsets, end exclusive."""
        mentions = []
        for match in MENTION_RE.finditer(text):
            mention = {"start": match.start(), "end": match.end(), "username": match.group(1)}
            user = self._users_by_username.get(match.group(1).lower())
            mentions.append(mention | ({"id": user["id"]} if user else {}))
        hashtags = [
            {"start": match.start(), "end": match.end(), "tag": match.group(1)} for match in HASHTAG_RE.finditer(text)
        ]
        return {name: found for name, found in (("mentions", mentions), ("hashtags", hashtags)) if found}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
