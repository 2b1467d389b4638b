"""A thin X API v2 client on httpx: recent search, the filtered stream and its rules, posting replies.

It hands back raw bodies (`ingestion.parsing` is the one parser) and turns every failure into a typed
`XApiError` whose `permanent` says whether trying again can help. Facts and sources: X_API.md.
"""

import html
import ipaddress
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from urllib.parse import urlsplit

import httpx
import orjson
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

USER_AGENT = "SevaDesk/1.0"
# What the client sends to a loopback server (the fake X API) when no real token is configured.
FAKE_APP_TOKEN = "fake-app-token"  # noqa: S105
FAKE_USER_TOKEN_PREFIX = "fake-user-token-"  # noqa: S105

SEARCH_PATH = "/2/tweets/search/recent"
STREAM_PATH = "/2/tweets/search/stream"
RULES_PATH = "/2/tweets/search/stream/rules"
POST_PATH = "/2/tweets"

# X_API.md 2.1 "Recommended request for ingestion": the `tweet`-spelled parameters, which every
# recorded payload and the stream endpoint use.
INGESTION_FIELDS = {
    "tweet.fields": "id,text,author_id,created_at,conversation_id,in_reply_to_user_id,referenced_tweets,entities,"
    "lang,geo,note_tweet,edit_history_tweet_ids,attachments,reply_settings",
    "expansions": "author_id,referenced_tweets.id,referenced_tweets.id.author_id,in_reply_to_user_id,"
    "entities.mentions.username,attachments.media_keys,geo.place_id",
    "user.fields": "id,name,username,verified,profile_image_url,location,created_at",
    "media.fields": "media_key,type,url,preview_image_url,alt_text",
    "place.fields": "id,full_name,country_code,geo",
}


# --- errors ---------------------------------------------------------------------------------


class XConfigurationError(ImproperlyConfigured):
    """A token the request needs is not configured (and the server is not a loopback fake)."""


class XApiError(Exception):
    """Any failure talking to X. `problem` is the RFC 7807 problem (or the first of `errors[]`)."""

    permanent = True  # trying the same request again cannot succeed

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        problem: dict | None = None,
        errors: list[dict] | None = None,
        rate_limit: "RateLimit | None" = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem or {}
        self.errors = errors or []
        self.rate_limit = rate_limit


class RateLimited(XApiError):
    """429: retry after `reset_at` (None when X sent no x-rate-limit-reset: back off instead)."""

    permanent = False

    def __init__(self, message: str, *, reset_at: datetime | None, **details: object) -> None:
        super().__init__(message, **details)
        self.reset_at = reset_at


class UsageCapped(XApiError):
    """429 usage-capped: the app's monthly (or daily) spend cap is reached. Alert; do not retry."""


class DuplicateContent(XApiError):
    """403: this account already posted this text."""


class ReplyNotAllowed(XApiError):
    """403: the author did not mention or quote the replying account, or reply settings forbid it."""


class Unauthorized(XApiError):
    """401: the token is missing, wrong, expired or revoked."""


class Forbidden(XApiError):
    """403 for any other reason (permissions, unsupported authentication, ...)."""


class BadRequest(XApiError):
    """400: the request is malformed; sending it again gives the same answer."""


class Conflict(XApiError):
    """409: on the filtered stream, the app has no rules."""


class TransientError(XApiError):
    """5xx, network errors and timeouts: retry with backoff.

    `may_have_taken_effect` is False only when the request surely never reached X (the connection
    was not made); a POST that failed otherwise may have been posted and must be reconciled.
    """

    permanent = False

    def __init__(self, message: str, *, may_have_taken_effect: bool, **details: object) -> None:
        super().__init__(message, **details)
        self.may_have_taken_effect = may_have_taken_effect


class StreamStalled(TransientError):
    """No byte, not even a keep-alive, for longer than the read timeout."""


class StreamDisconnected(TransientError):
    """An established stream connection broke."""


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int
    remaining: int
    reset: datetime  # aware, UTC: when `remaining` is back to `limit`

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> "RateLimit | None":
        try:
            return cls(
                limit=int(headers["x-rate-limit-limit"]),
                remaining=int(headers["x-rate-limit-remaining"]),
                reset=datetime.fromtimestamp(int(headers["x-rate-limit-reset"]), tz=UTC),
            )
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class SearchPage:
    raw: bytes  # the body as received, for the inbox
    document: dict  # the same body, parsed
    newest_id: str | None
    next_token: str | None
    result_count: int
    rate_limit: RateLimit | None
    errors: list[dict]  # partial errors X sent along with the data (HTTP 200)


@dataclass(frozen=True, slots=True)
class PostedTweet:
    id: str
    text: str
    rate_limit: RateLimit | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RulesChange:
    rules: list[dict]  # the rules created ({id, value, tag}); empty for a deletion
    summary: dict  # X's meta.summary: created/not_created/valid/invalid, or deleted/not_deleted
    errors: list[dict]  # rules X refused (duplicates, not found), with X's reasons


@dataclass(frozen=True, slots=True)
class RulesSync:
    added: list[dict]
    deleted: list[dict]
    unchanged: list[dict]
    errors: list[dict]


def error_from_response(status: int, headers: Mapping[str, str], content: bytes) -> XApiError:
    """The typed error for an HTTP error answer. Problem types are matched on their path, not host (X_API.md 2.3)."""
    document = _json_object(content) or {}
    errors = [error for error in document.get("errors", []) if isinstance(error, dict)]
    # RFC 7807 at the top level; else the first legacy/partial `errors[]` entry.
    problem = document if {"title", "type", "detail"} & document.keys() else (errors[0] if errors else {})
    problems = [problem, *errors]
    text = " ".join(str(p.get(key, "")) for p in problems for key in ("title", "detail", "message")).lower()
    types = {str(p.get("type", "")) for p in problems}
    rate_limit = RateLimit.from_headers(headers)
    summary = (
        problem.get("detail")
        or problem.get("message")
        or problem.get("title")
        or content[:200].decode(errors="replace")
    )
    message = f"X API answered {status}: {summary}"
    details = {"status": status, "problem": problem, "errors": errors, "rate_limit": rate_limit}
    if status == 429:
        if any(type_.endswith("/problems/usage-capped") for type_ in types):
            return UsageCapped(message, **details)
        return RateLimited(message, reset_at=rate_limit.reset if rate_limit else None, **details)
    if status == 401:
        return Unauthorized(message, **details)
    if status == 403:
        # Code 187 is the legacy (v1.1-style) "Status is a duplicate".
        if "duplicate content" in text or any(p.get("code") == 187 for p in problems):
            return DuplicateContent(message, **details)
        if "reply to this conversation is not allowed" in text or "have not been mentioned" in text:
            return ReplyNotAllowed(message, **details)
        return Forbidden(message, **details)
    if status == 400:
        return BadRequest(message, **details)
    if status == 409:
        return Conflict(message, **details)
    if status >= 500:
        return TransientError(message, may_have_taken_effect=True, **details)
    return XApiError(message, **details)


def _json_object(content: bytes) -> dict | None:
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


def _transient(error: httpx.TransportError) -> TransientError:
    never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return TransientError(f"X API unreachable: {type(error).__name__}: {error}", may_have_taken_effect=not never_sent)


def is_loopback(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- the client -----------------------------------------------------------------------------


class XClient:
    """One httpx connection pool to X. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        base_url: str | None = None,
        bearer_token: str | None = None,
        timeout: float = 10.0,
        account_tokens: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = (base_url or settings.X_API_BASE_URL).rstrip("/")
        self._bearer_token = settings.X_API_BEARER_TOKEN if bearer_token is None else bearer_token
        tokens = settings.X_ACCOUNT_TOKENS if account_tokens is None else account_tokens
        if not isinstance(tokens, Mapping):
            raise XConfigurationError('X_ACCOUNT_TOKENS must be a JSON object: {"<handle>": "<user access token>"}')
        self._account_tokens = {_handle_key(handle): token for handle, token in tokens.items()}
        self._timeout = timeout
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers={"User-Agent": USER_AGENT})
        self._user_ids: dict[str, str] = {}

    def __enter__(self) -> "XClient":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- tokens ---

    def _app_token(self) -> str:
        if self._bearer_token:
            return self._bearer_token
        if is_loopback(self.base_url):
            return FAKE_APP_TOKEN
        raise XConfigurationError(f"X_API_BEARER_TOKEN is not set, and {self.base_url} is not a local fake X API")

    def _account_token(self, handle: str) -> str:
        token = self._account_tokens.get(_handle_key(handle))
        if token:
            return token
        if is_loopback(self.base_url):
            return f"{FAKE_USER_TOKEN_PREFIX}{handle.removeprefix('@')}"
        raise XConfigurationError(
            f"X_ACCOUNT_TOKENS has no token for @{handle.removeprefix('@')}, so nothing can be posted as it "
            f"to {self.base_url}"
        )

    # --- plumbing ---

    def _request(
        self, method: str, path: str, *, token: str, params: dict[str, str] | None = None, json: dict | None = None
    ) -> httpx.Response:
        try:
            response = self._http.request(method, path, params=params, json=json, headers=_bearer(token))
        except httpx.TransportError as error:
            raise _transient(error) from error
        if response.status_code >= 400:
            raise error_from_response(response.status_code, response.headers, response.content)
        return response

    @staticmethod
    def _document(response: httpx.Response) -> dict:
        document = _json_object(response.content)
        if document is None:
            raise TransientError(
                f"X API answered {response.status_code} with a body that is not a JSON object",
                may_have_taken_effect=True,
                status=response.status_code,
            )
        return document

    # --- recent search ---

    def search_recent(
        self, query: str, since_id: str | int | None = None, next_token: str | None = None, max_results: int = 100
    ) -> SearchPage:
        params = {"query": query, "max_results": str(max_results), **INGESTION_FIELDS}
        if since_id is not None:
            params["since_id"] = str(since_id)
        if next_token is not None:
            params["next_token"] = next_token
        response = self._request("GET", SEARCH_PATH, token=self._app_token(), params=params)
        document = self._document(response)
        meta = document.get("meta") or {}
        return SearchPage(
            raw=response.content,
            document=document,
            newest_id=meta.get("newest_id"),
            next_token=meta.get("next_token"),
            result_count=int(meta.get("result_count", 0)),
            rate_limit=RateLimit.from_headers(response.headers),
            errors=list(document.get("errors", [])),
        )

    def iter_search_pages(
        self, query: str, since_id: str | int | None = None, max_results: int = 100
    ) -> Iterator[SearchPage]:
        """Every page newer than since_id. Keep the first page's newest_id as the next since_id (X_API.md 3)."""
        next_token = None
        while True:
            page = self.search_recent(query, since_id=since_id, next_token=next_token, max_results=max_results)
            yield page
            if not page.next_token:
                return
            next_token = page.next_token

    # --- filtered stream rules ---

    def get_stream_rules(self) -> list[dict]:
        # One page holds up to 1,000 rules, the pay-per-use maximum (X_API.md 4.1).
        response = self._request("GET", RULES_PATH, token=self._app_token(), params={"max_results": "1000"})
        return list(self._document(response).get("data", []))

    def add_stream_rules(self, rules: Iterable[Mapping[str, str]], dry_run: bool = False) -> RulesChange:
        return self._change_rules({"add": [dict(rule) for rule in rules]}, dry_run)

    def delete_stream_rules(self, ids: Iterable[str], dry_run: bool = False) -> RulesChange:
        return self._change_rules({"delete": {"ids": [str(rule_id) for rule_id in ids]}}, dry_run)

    def _change_rules(self, body: dict, dry_run: bool) -> RulesChange:
        params = {"dry_run": "true"} if dry_run else None
        document = self._document(self._request("POST", RULES_PATH, token=self._app_token(), params=params, json=body))
        return RulesChange(
            rules=list(document.get("data", [])),
            summary=(document.get("meta") or {}).get("summary", {}),
            errors=list(document.get("errors", [])),
        )

    def sync_stream_rules(self, desired: Mapping[str, str]) -> RulesSync:
        """Make the server's rules exactly `desired` (tag -> value). Tags cannot be edited, so a changed
        rule is deleted and added again; deletions go first because X refuses a second rule with the same value."""
        unchanged, stale, kept_tags = [], [], set()
        for rule in self.get_stream_rules():
            tag = rule.get("tag")
            if tag in desired and desired[tag] == rule.get("value") and tag not in kept_tags:
                unchanged.append(rule)
                kept_tags.add(tag)
            else:
                stale.append(rule)
        errors = []
        if stale:
            errors += self.delete_stream_rules(rule["id"] for rule in stale).errors
        missing = [{"value": value, "tag": tag} for tag, value in desired.items() if tag not in kept_tags]
        added = []
        if missing:
            change = self.add_stream_rules(missing)
            added, errors = change.rules, errors + change.errors
        return RulesSync(added=added, deleted=stale, unchanged=unchanged, errors=errors)

    # --- filtered stream ---

    def stream_lines(self, read_timeout: float = 21.0) -> Iterator[bytes]:
        """Raw lines of the filtered stream, without their line ending; keep-alives come out as b"".

        The read timeout is just above X's 20 s keep-alive period (X_API.md 4.3). Returns when X ends
        the body (after an error-only line, for one); raises StreamStalled or StreamDisconnected when the
        connection dies, and the typed error of a refused connect (RateLimited, Conflict, ...).
        """
        timeout = httpx.Timeout(self._timeout, read=read_timeout)
        headers = _bearer(self._app_token())
        connected = False
        try:
            with self._http.stream(
                "GET", STREAM_PATH, params=INGESTION_FIELDS, headers=headers, timeout=timeout
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise error_from_response(response.status_code, response.headers, response.content)
                connected = True
                yield from _split_lines(response.iter_bytes())
        except httpx.ReadTimeout as error:
            raise StreamStalled(f"the stream sent nothing for {read_timeout} s", may_have_taken_effect=True) from error
        except httpx.TransportError as error:
            if not connected:
                raise _transient(error) from error
            raise StreamDisconnected(
                f"the stream connection broke: {type(error).__name__}: {error}", may_have_taken_effect=True
            ) from error

    # --- posting ---

    def create_tweet(self, text: str, in_reply_to_tweet_id: str | int | None, as_handle: str) -> PostedTweet:
        """Post as the official account `as_handle` (OAuth 2.0 user-context bearer token)."""
        body: dict = {"text": text}
        if in_reply_to_tweet_id is not None:
            body["reply"] = {"in_reply_to_tweet_id": str(in_reply_to_tweet_id)}
        response = self._request("POST", POST_PATH, token=self._account_token(as_handle), json=body)
        data = self._document(response).get("data") or {}
        if "id" not in data:
            # X said yes but not what it posted: treat as unknown, so the outbox reconciles.
            raise TransientError(
                f"X API answered {response.status_code} without a post id", may_have_taken_effect=True
            )
        return PostedTweet(
            id=str(data["id"]), text=data.get("text", text), rate_limit=RateLimit.from_headers(response.headers)
        )

    def find_posted_reply(self, text: str, in_reply_to_tweet_id: str | int, as_handle: str) -> PostedTweet | None:
        """The account's reply with this text to this post, if X has it: how the outbox settles a send whose
        outcome it did not see. Reads the account's own timeline (GET /2/users/:id/tweets, an owned read)
        newer than the post replied to, since a reply is always newer than its parent."""
        token = self._account_token(as_handle)
        user_id = self._own_user_id(as_handle, token)
        wanted = _comparable(text)
        params = {"since_id": str(in_reply_to_tweet_id), "max_results": "100", "tweet.fields": "referenced_tweets"}
        while True:
            response = self._request("GET", f"/2/users/{user_id}/tweets", token=token, params=params)
            document = self._document(response)
            for tweet in document.get("data", []):
                replied_to = {
                    ref.get("id") for ref in tweet.get("referenced_tweets", []) if ref.get("type") == "replied_to"
                }
                if str(in_reply_to_tweet_id) in replied_to and _comparable(tweet.get("text", "")) == wanted:
                    return PostedTweet(id=tweet["id"], text=tweet["text"])
            next_token = (document.get("meta") or {}).get("next_token")
            if not next_token:
                return None
            params["pagination_token"] = next_token

    def _own_user_id(self, handle: str, token: str) -> str:
        key = _handle_key(handle)
        if key not in self._user_ids:
            response = self._request("GET", "/2/users/me", token=token)
            self._user_ids[key] = str(self._document(response)["data"]["id"])
        return self._user_ids[key]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _handle_key(handle: str) -> str:
    return handle.removeprefix("@").lower()


def _comparable(text: str) -> str:
    # X returns text HTML-escaped (&amp;) and NFC-normalised (X_API.md 2.1, 6).
    return unicodedata.normalize("NFC", html.unescape(text)).strip()


def _split_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Split on b"\\n" only. httpx's iter_lines decodes to str and also splits on U+2028 and friends,
    which may appear unescaped inside a JSON string."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line.removesuffix(b"\r")
    if pending:
        yield pending.removesuffix(b"\r")


# --- reconnecting the stream ----------------------------------------------------------------


class ReconnectKind(StrEnum):
    NETWORK = "network"  # a TCP/IP error, a stall, or an established connection that dropped
    HTTP = "http"  # the connect was answered with an HTTP error other than 429
    RATE_LIMITED = "rate_limited"  # the connect was answered 429


def reconnect_kind_for(error: XApiError) -> ReconnectKind:
    if error.status == 429:
        return ReconnectKind.RATE_LIMITED
    if error.status is None:
        return ReconnectKind.NETWORK
    return ReconnectKind.HTTP


class StreamBackoff:
    """X's reconnect schedule (X_API.md 4.3), as tweepy implements it; pure, so nothing here sleeps.

    Network: 0, 0.25, 0.5, ... up to 16 s: the first reconnect after a drop is immediate.
    HTTP errors: 5, 10, 20, ... up to 320 s. 429: at least 60 s, then doubling, also capped at 320 s
    (the docs name no cap for 429; tweepy shares the HTTP one). Call `reset()` once a connection is up.
    """

    NETWORK_STEP = 0.25
    NETWORK_MAX = 16.0
    HTTP_START = 5.0
    HTTP_MAX = 320.0
    RATE_LIMITED_START = 60.0

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._network_wait = 0.0
        self._http_wait = self.HTTP_START

    def next_delay(self, kind: ReconnectKind) -> float:
        """Seconds to wait before the next connect attempt after a failure of this kind."""
        if kind is ReconnectKind.NETWORK:
            delay = self._network_wait
            self._network_wait = min(self._network_wait + self.NETWORK_STEP, self.NETWORK_MAX)
            return delay
        if kind is ReconnectKind.RATE_LIMITED:
            self._http_wait = max(self._http_wait, self.RATE_LIMITED_START)
        delay = self._http_wait
        self._http_wait = min(self._http_wait * 2, self.HTTP_MAX)
        return delay
