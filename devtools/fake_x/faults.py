"""Endpoints, the faults that can be injected into them, and their rate-limit windows.

Faults are deterministic: each endpoint has a FIFO queue, and each request to it takes the next
fault (if any). Nothing here is random.
"""

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from devtools.fake_x import documents


class Endpoint(StrEnum):
    SEARCH = "search"  # GET /2/tweets/search/recent
    STREAM = "stream"  # GET /2/tweets/search/stream
    RULES = "rules"  # GET and POST /2/tweets/search/stream/rules
    POST = "post"  # POST /2/tweets
    USERS = "users"  # GET /2/users/me and GET /2/users/:id/tweets


class Fault(StrEnum):
    # The request is answered with an error instead of being served.
    RATE_LIMITED = "rate_limited"  # 429, x-rate-limit-remaining 0, x-rate-limit-reset = now + reset_in
    USAGE_CAPPED = "usage_capped"  # 429 with the usage-capped problem: X's monthly spend cap
    UNAVAILABLE = "unavailable"  # 503
    # Stream connections: the connection opens, then misbehaves once `after_lines` tweet lines went out.
    DISCONNECT = "disconnect"  # the socket is closed mid-body (no final chunk)
    STALL = "stall"  # no bytes at all, not even keep-alives, for `seconds`
    OPERATIONAL_DISCONNECT = "operational_disconnect"  # an error-only line, then the body ends
    DUPLICATE = "duplicate"  # every tweet on this connection is delivered twice
    # POST /2/tweets: the post is made and recorded, but the response is lost (or late by `delay` s).
    TIMEOUT_AFTER_POST = "timeout_after_post"


ANSWER_FAULTS = frozenset({Fault.RATE_LIMITED, Fault.USAGE_CAPPED, Fault.UNAVAILABLE})
_STREAM_FAULTS = frozenset({Fault.DISCONNECT, Fault.STALL, Fault.OPERATIONAL_DISCONNECT, Fault.DUPLICATE})
FAULTS_BY_ENDPOINT = {
    Endpoint.SEARCH: ANSWER_FAULTS,
    Endpoint.STREAM: ANSWER_FAULTS | _STREAM_FAULTS,
    Endpoint.RULES: ANSWER_FAULTS,
    Endpoint.POST: ANSWER_FAULTS | {Fault.TIMEOUT_AFTER_POST},
    Endpoint.USERS: ANSWER_FAULTS,
}

# Per 15-minute window (X_API.md 5); POST /2/tweets uses the 2026 observed per-user figure, and its
# window is each posting account's own, as X counts posts per user token.
DEFAULT_RATE_LIMITS = {
    Endpoint.SEARCH: 450,
    Endpoint.STREAM: 50,
    Endpoint.RULES: 450,
    Endpoint.POST: 100,
    Endpoint.USERS: 900,
}
RATE_WINDOW_SECONDS = 900
# POST /2/tweets per app per 24 hours (X_API.md 5), sent as x-app-limit-24hour-*.
DEFAULT_APP_POST_LIMIT = 10_000
APP_WINDOW_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class InjectedFault:
    fault: Fault
    reset_in: float = 60.0  # RATE_LIMITED: seconds until x-rate-limit-reset
    after_lines: int = 0  # stream faults: tweet lines delivered first
    seconds: float = 30.0  # STALL: how long nothing is sent
    delay: float | None = None  # TIMEOUT_AFTER_POST: None drops the response, else it is sent this late


@dataclass(slots=True)
class _RateWindow:
    limit: int
    remaining: int
    reset_at: int  # Unix seconds, as the x-rate-limit-reset header carries it


class FaultQueues:
    """A FIFO of injected faults per endpoint, and the rate-limit windows. Not thread-safe by itself.

    Windows: one per endpoint for the app's reads; for POST /2/tweets one per posting account
    (`rate_limits[POST]` posts per `window_seconds`) and one for the whole app (`app_post_limit` per
    `app_window_seconds`). A window starts with its first request and is full again at its reset.
    """

    def __init__(
        self,
        rate_limits: dict[Endpoint, int] | None = None,
        *,
        app_post_limit: int = DEFAULT_APP_POST_LIMIT,
        window_seconds: int = RATE_WINDOW_SECONDS,
        app_window_seconds: int = APP_WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._rate_limits = {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}
        self._app_post_limit = app_post_limit
        self._window_seconds, self._app_window_seconds = window_seconds, app_window_seconds
        self._clock = clock
        self._queues: dict[Endpoint, deque[InjectedFault]] = {endpoint: deque() for endpoint in Endpoint}
        self._windows: dict[tuple[Endpoint, str], _RateWindow] = {}
        self._app_posts: _RateWindow | None = None

    def inject(self, endpoint: Endpoint | str, fault: Fault | str, times: int = 1, **params: float) -> None:
        endpoint, fault = Endpoint(endpoint), Fault(fault)
        if fault not in FAULTS_BY_ENDPOINT[endpoint]:
            raise ValueError(f"fault {fault} does not apply to endpoint {endpoint}")
        injected = InjectedFault(fault, **params)
        self._queues[endpoint].extend([injected] * times)

    def take(self, endpoint: Endpoint) -> InjectedFault | None:
        queue = self._queues[endpoint]
        return queue.popleft() if queue else None

    def _window(self, endpoint: Endpoint, account: str) -> _RateWindow:
        now, key = self._clock(), (endpoint, account)
        window = self._windows.get(key)
        if window is None or now >= window.reset_at:
            limit = self._rate_limits[endpoint]
            window = self._windows[key] = _RateWindow(limit, limit, int(now) + self._window_seconds)
        return window

    def _app_post_window(self) -> _RateWindow:
        now, window = self._clock(), self._app_posts
        if window is None or now >= window.reset_at:
            limit = self._app_post_limit
            window = self._app_posts = _RateWindow(limit, limit, int(now) + self._app_window_seconds)
        return window

    def consume_request(self, endpoint: Endpoint, account: str | None = None) -> tuple[dict[str, str], bool]:
        """Count one request against its windows; returns its headers and whether a window was already spent
        (then nothing is counted). Posts count against the account's window and the app's 24-hour one."""
        if endpoint is not Endpoint.POST:
            window = self._window(endpoint, "")
            exhausted = window.remaining == 0
            if not exhausted:
                window.remaining -= 1
            return _headers(window.limit, window.remaining, window.reset_at), exhausted
        window, app = self._window(endpoint, (account or "").lower()), self._app_post_window()
        exhausted = window.remaining == 0 or app.remaining == 0
        if not exhausted:
            window.remaining -= 1
            app.remaining -= 1
        headers = _headers(window.limit, window.remaining, window.reset_at)
        return headers | _headers(app.limit, app.remaining, app.reset_at, prefix="x-app-limit-24hour"), exhausted

    def answer_for(self, endpoint: Endpoint, injected: InjectedFault) -> tuple[int, dict, dict[str, str]]:
        """The status, body and headers with which an ANSWER_FAULTS fault answers a request."""
        limit = self._rate_limits[endpoint]
        if injected.fault is Fault.RATE_LIMITED:
            return 429, documents.RATE_LIMITED, _headers(limit, 0, int(self._clock() + injected.reset_in))
        if injected.fault is Fault.USAGE_CAPPED:
            return 429, documents.USAGE_CAPPED, {}
        return 503, documents.SERVICE_UNAVAILABLE, {}


def _headers(limit: int, remaining: int, reset_at: int, *, prefix: str = "x-rate-limit") -> dict[str, str]:
    return {f"{prefix}-limit": str(limit), f"{prefix}-remaining": str(remaining), f"{prefix}-reset": str(reset_at)}
