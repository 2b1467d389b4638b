"""The client's address, the one place it is read from a request.

Behind `NUM_PROXIES` reverse proxies, each appends the address it got the request from to
X-Forwarded-For, so the entry `NUM_PROXIES` from the right was written by our outermost proxy and
is the client; anything to its left came from the client and is ignored. This is how DRF's
throttles count the hops (`SimpleRateThrottle.get_ident`), and they use this function, so the
lockout, the throttles and the audit events agree on who a client is. With `NUM_PROXIES = 0` only
the socket's address counts.
"""

import ipaddress

from django.conf import settings


def _parsed(candidate: str) -> str | None:
    """`candidate` as a normalised IP address, or None. Accepts the `1.2.3.4:port` and
    `[v6]:port` forms some proxies write."""
    text = candidate.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The address of the client that sent `request` (a Django or DRF request), or None without one."""
    if request is None:
        return None
    meta = request.META
    remote = _parsed(meta.get("REMOTE_ADDR", "") or "")
    hops = settings.NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "") or ""
    if hops <= 0 or not forwarded:
        return remote
    entries = forwarded.split(",")
    # Fewer entries than proxies: the request skipped one; the leftmost is then the best guess (as DRF).
    entry = entries[-min(hops, len(entries))]
    # An entry our proxy wrote is an address; anything else means a misconfigured hop count, and
    # the socket's address (the proxy) is the one that cannot be chosen by the client.
    return _parsed(entry) or remote
