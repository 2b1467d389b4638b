"""What the X API answers: typed errors (with whether to retry) and the results of calls."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import orjson
from django.core.exceptions import ImproperlyConfigured


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
        app_rate_limit: "RateLimit | None" = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem or {}
        self.errors = errors or []
        self.rate_limit = rate_limit
        self.app_rate_limit = app_rate_limit


class RateLimited(XApiError):
    """429: retry after `reset_at` (None when X sent no reset header: back off instead). `app_wide` when
    the app's 24-hour window is what ran out, so no account of the app can post until then."""

    permanent = False

    def __init__(self, message: str, *, reset_at: datetime | None, app_wide: bool = False, **details: object) -> None:
        super().__init__(message, **details)
        self.reset_at = reset_at
        self.app_wide = app_wide


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


# The window a response reports (X_API.md 5): x-rate-limit-* is the endpoint's 15-minute window of
# the token (per account for user tokens); POST /2/tweets also carries the app's 24-hour cap.
RATE_LIMIT_HEADERS = "x-rate-limit"
APP_DAILY_LIMIT_HEADERS = "x-app-limit-24hour"


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int
    remaining: int
    reset: datetime  # aware, UTC: when `remaining` is back to `limit`

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], prefix: str = RATE_LIMIT_HEADERS) -> "RateLimit | None":
        """The window named by `prefix`, or None when a header is missing or not a sane number: the caller
        then falls back (a default pause, or no knowledge of what is left), never crashes on X's headers."""
        try:
            limit = int(headers[f"{prefix}-limit"])
            remaining = int(headers[f"{prefix}-remaining"])
            reset = datetime.fromtimestamp(int(headers[f"{prefix}-reset"]), tz=UTC)
        except (KeyError, ValueError, TypeError, OverflowError, OSError):
            return None
        if limit < 0 or remaining < 0:
            return None
        return cls(limit=limit, remaining=min(remaining, limit), reset=reset)

    @classmethod
    def app_from_headers(cls, headers: Mapping[str, str]) -> "RateLimit | None":
        return cls.from_headers(headers, APP_DAILY_LIMIT_HEADERS)


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
    rate_limit: RateLimit | None = field(default=None, compare=False)  # the account's 15-minute window
    app_rate_limit: RateLimit | None = field(default=None, compare=False)  # the app's 24-hour window


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
    app_rate_limit = RateLimit.app_from_headers(headers)
    summary = (
        problem.get("detail")
        or problem.get("message")
        or problem.get("title")
        or content[:200].decode(errors="replace")
    )
    message = f"X API answered {status}: {summary}"
    details = {
        "status": status, "problem": problem, "errors": errors, "rate_limit": rate_limit,
        "app_rate_limit": app_rate_limit,
    }  # fmt: skip
    if status == 429:
        if any(type_.endswith("/problems/usage-capped") for type_ in types):
            return UsageCapped(message, **details)
        if app_rate_limit is not None and app_rate_limit.remaining == 0:
            return RateLimited(message, reset_at=app_rate_limit.reset, app_wide=True, **details)
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
