"""A thin X API v2 client on httpx: recent search, the filtered stream and its rules, posting replies.

It hands back raw bodies (`ingestion.parsing` is the one parser) and turns every failure into a typed
`XApiError` whose `permanent` says whether trying again can help. Facts and sources: X_API.md.
"""

import html
import ipaddress
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from ingestion.x_client.oauth1 import OAuth1Pair, oauth1_header
from ingestion.x_client.responses import (
    PostedTweet,
    RateLimit,
    RulesChange,
    RulesSync,
    SearchPage,
    StreamDisconnected,
    StreamStalled,
    TransientError,
    XConfigurationError,
    _json_object,
    _transient,
    error_from_response,
)

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


def is_loopback(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        # Posting tokens come from the database (ingestion.credentials), handed to each call by the
        # sender; `account_tokens` is for benchmarks and tools that post without one.
        self._account_tokens = {_handle_key(handle): token for handle, token in (account_tokens or {}).items()}
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

    def _account_token(self, handle: str, token: "str | OAuth1Pair | None" = None) -> "str | OAuth1Pair":
        token = token or self._account_tokens.get(_handle_key(handle))
        if token:
            return token
        if is_loopback(self.base_url):
            return f"{FAKE_USER_TOKEN_PREFIX}{handle.removeprefix('@')}"
        raise XConfigurationError(
            f"@{handle.removeprefix('@')} is not connected on X (no stored credentials), so nothing can be "
            f"posted as it to {self.base_url}"
        )

    # --- plumbing ---

    def _authorization(
        self, method: str, path: str, params: dict[str, str] | None, token: "str | OAuth1Pair"
    ) -> dict[str, str]:
        if not isinstance(token, OAuth1Pair):
            return _bearer(token)
        if not (settings.X_API_CONSUMER_KEY and settings.X_API_CONSUMER_SECRET):
            raise XConfigurationError(
                "posting with an OAuth 1.0a pair needs X_API_CONSUMER_KEY and X_API_CONSUMER_SECRET"
            )
        header = oauth1_header(
            method=method,
            url=f"{self.base_url}{path}",
            query=params or {},
            consumer_key=settings.X_API_CONSUMER_KEY,
            consumer_secret=settings.X_API_CONSUMER_SECRET,
            pair=token,
        )
        return {"Authorization": header}

    def _request(
        self,
        method: str,
        path: str,
        *,
        token: "str | OAuth1Pair",
        params: dict[str, str] | None = None,
        json: dict | None = None,
    ) -> httpx.Response:
        headers = self._authorization(method, path, params, token)
        try:
            response = self._http.request(method, path, params=params, json=json, headers=headers)
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

    def create_tweet(
        self,
        text: str,
        in_reply_to_tweet_id: str | int | None,
        as_handle: str,
        *,
        token: "str | OAuth1Pair | None" = None,
    ) -> PostedTweet:
        """Post as the official account `as_handle` with its user-context `token`: an OAuth 2.0 access
        token, or an OAuth 1.0a pair (signed with the app's consumer key and secret)."""
        body: dict = {"text": text}
        if in_reply_to_tweet_id is not None:
            body["reply"] = {"in_reply_to_tweet_id": str(in_reply_to_tweet_id)}
        response = self._request("POST", POST_PATH, token=self._account_token(as_handle, token), json=body)
        data = self._document(response).get("data") or {}
        if "id" not in data:
            # X said yes but not what it posted: treat as unknown, so the outbox reconciles.
            raise TransientError(
                f"X API answered {response.status_code} without a post id", may_have_taken_effect=True
            )
        return PostedTweet(
            id=str(data["id"]),
            text=data.get("text", text),
            rate_limit=RateLimit.from_headers(response.headers),
            app_rate_limit=RateLimit.app_from_headers(response.headers),
        )

    def find_posted_reply(
        self, text: str, in_reply_to_tweet_id: str | int, as_handle: str, *, token: "str | OAuth1Pair | None" = None
    ) -> PostedTweet | None:
        """The account's reply with this text to this post, if X has it: how the outbox settles a send whose
        outcome it did not see. Reads the account's own timeline (GET /2/users/:id/tweets, an owned read)
        newer than the post replied to, since a reply is always newer than its parent."""
        token = self._account_token(as_handle, token)
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

    def _own_user_id(self, handle: str, token: "str | OAuth1Pair") -> str:
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
