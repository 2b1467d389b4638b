"""Endpoints, the faults that can be injected into them, and their rate-limit windows.

Faults are deterministic: each endpoint has a FIFO queue, and each request to it takes the next
fault (if any). Nothing here is random.
"""

import time
from collections import deque
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

# Per 15-minute window (X_API.md 5); POST /2/tweets uses the 2026 observed per-user figure.
DEFAULT_RATE_LIMITS = {
    Endpoint.SEARCH: 450,
    Endpoint.STREAM: 50,
    Endpoint.RULES: 450,
    Endpoint.POST: 100,
    Endpoint.USERS: 900,
}
RATE_WINDOW_SECONDS = 900


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
    """A FIFO of injected faults per endpoint, and each endpoint's rate-limit window. Not thread-safe by itself."""

    def __init__(self, rate_limits: dict[Endpoint, int] | None = None) -> None:
        self._rate_limits = {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}
        self._queues: dict[Endpoint, deque[InjectedFault]] = {endpoint: deque() for endpoint in Endpoint}
        self._windows: dict[Endpoint, _RateWindow] = {}

    def inject(self, endpoint: Endpoint | str, fault: Fault | str, times: int = 1, **params: float) -> None:
        endpoint, fault = Endpoint(endpoint), Fault(fault)
        if fault not in FAULTS_BY_ENDPOINT[endpoint]:
            raise ValueError(f"fault {fault} does not apply to endpoint {endpoint}")
        injected = InjectedFault(fault, **params)
        self._queues[endpoint].extend([injected] * times)

    def take(self, endpoint: Endpoint) -> InjectedFault | None:
        queue = self._queues[endpoint]
        return queue.popleft() if queue else None

    def consume_request(self, endpoint: Endpoint) -> tuple[dict[str, str], bool]:
        """Count one request against the window; returns its headers and whether the window was already spent."""
        now = time.time()
        window = self._windows.get(endpoint)
        if window is None or now >= window.reset_at:
            limit = self._rate_limits[endpoint]
            window = _RateWindow(limit, limit, int(now) + RATE_WINDOW_SECONDS)
            self._windows[endpoint] = window
        exhausted = window.remaining == 0
        if not exhausted:
            window.remaining -= 1
        return _headers(window.limit, window.remaining, window.reset_at), exhausted

    def answer_for(self, endpoint: Endpoint, injected: InjectedFault) -> tuple[int, dict, dict[str, str]]:
        """The status, body and headers with which an ANSWER_FAULTS fault answers a request."""
        limit = self._rate_limits[endpoint]
        if injected.fault is Fault.RATE_LIMITED:
            return 429, documents.RATE_LIMITED, _headers(limit, 0, int(time.time() + injected.reset_in))
        if injected.fault is Fault.USAGE_CAPPED:
            return 429, documents.USAGE_CAPPED, {}
        return 503, documents.SERVICE_UNAVAILABLE, {}


def _headers(limit: int, remaining: int, reset_at: int) -> dict[str, str]:
    return {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(reset_at),
    }
