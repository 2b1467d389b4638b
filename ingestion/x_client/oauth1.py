"""OAuth 1.0a user context (RFC 5849, HMAC-SHA1), for accounts that post with a token and its secret.

X signs the method, the URL without its query, and the query and oauth_* parameters; a JSON body is
not signed (X_API.md 1: only form-encoded bodies are).
"""

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote


@dataclass(frozen=True, slots=True)
class OAuth1Pair:
    """An account's OAuth 1.0a access token and secret (they do not expire)."""

    token: str
    secret: str

    def __repr__(self) -> str:  # the secret stays out of tracebacks and logs
        return "OAuth1Pair(...)"


def _encode(value: str) -> str:
    # RFC 5849 3.6: percent-encode everything but the RFC 3986 unreserved characters.
    return quote(value, safe="~-._")


def oauth1_signature(
    *, method: str, url: str, params: Mapping[str, str], consumer_secret: str, token_secret: str
) -> str:
    normalized = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted((str(k), str(v)) for k, v in params.items()))
    base = "&".join((method.upper(), _encode(url), _encode(normalized)))
    key = f"{_encode(consumer_secret)}&{_encode(token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()


def oauth1_header(
    *,
    method: str,
    url: str,
    query: Mapping[str, str],
    consumer_key: str,
    consumer_secret: str,
    pair: OAuth1Pair,
    nonce: str | None = None,
    timestamp: int | None = None,
) -> str:
    """The Authorization header value for one request to `url` (no query) with `query` parameters."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "oauth_token": pair.token,
        "oauth_version": "1.0",
    }
    oauth["oauth_signature"] = oauth1_signature(
        method=method, url=url, params={**query, **oauth}, consumer_secret=consumer_secret, token_secret=pair.secret
    )
    return "OAuth " + ", ".join(f'{_encode(k)}="{_encode(v)}"' for k, v in sorted(oauth.items()))


def oauth1_parse_header(value: str) -> dict[str, str] | None:
    """The oauth_* parameters of an `OAuth ...` Authorization header; None if it is not one."""
    scheme, _, rest = value.partition(" ")
    if scheme != "OAuth":
        return None
    params = {}
    for item in rest.split(","):
        name, _, quoted = item.strip().partition("=")
        params[unquote(name)] = unquote(quoted.strip('"'))
    return params
