"""Reconnecting the filtered stream on the schedule of X_API.md 4.3."""

from enum import StrEnum

from ingestion.x_client.responses import XApiError


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
