"""The fake X's OAuth 2.0 authorization server: PKCE codes, short-lived access tokens, single-use
refresh tokens (X_API.md 1), for the admin's "Connect on X" in tests and the demo.

GET /i/oauth2/authorize approves at once as `signed_in_as` (a test sets it), or, when nobody is
signed in, asks for a username in a one-field form, as X's consent page would ask to sign in.
POST /2/oauth2/token takes `authorization_code` (the code within 30 s, the same redirect URI and
client, and the verifier whose S256 challenge was sent) and `refresh_token` (each refresh token works
once; the answer carries the next one).
"""

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

# X: an authorization code must be exchanged within 30 s; access tokens live two hours.
CODE_LIFETIME_SECONDS = 30
DEFAULT_TOKEN_LIFETIME_SECONDS = 7200
TOKEN_PREFIX = "fake-oauth2-"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True, slots=True)
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    username: str
    scopes: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class OAuthAnswer:
    status: int
    body: dict


class FakeOAuth:
    def __init__(self, clock: Callable[[], float], token_lifetime: int = DEFAULT_TOKEN_LIFETIME_SECONDS) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.token_lifetime = token_lifetime
        self.signed_in_as: str | None = None  # the username /i/oauth2/authorize approves as
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, tuple[str, float]] = {}  # token -> (username, expires at)
        self._refresh: dict[str, tuple[str, str]] = {}  # token -> (username, scopes)
        self.refreshes = 0  # refresh grants that succeeded

    # --- authorize ---

    def authorize(self, params: dict[str, str]) -> tuple[str | None, str | None]:
        """(redirect location, None) to approve; (None, error) for a request X would refuse;
        (None, None): nobody is signed in, so the sign-in form is shown."""
        missing = [
            name
            for name in ("response_type", "client_id", "redirect_uri", "state", "code_challenge")
            if not params.get(name)
        ]
        if missing:
            return None, f"missing {', '.join(missing)}"
        if params["response_type"] != "code" or params.get("code_challenge_method") != "S256":
            return None, "response_type must be code and code_challenge_method S256"
        username = params.get("username") or self.signed_in_as
        if not username:
            return None, None
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                params["client_id"],
                params["redirect_uri"],
                params["code_challenge"],
                username.removeprefix("@"),
                params.get("scope", ""),
                self._clock() + CODE_LIFETIME_SECONDS,
            )
        separator = "&" if "?" in params["redirect_uri"] else "?"
        return f"{params['redirect_uri']}{separator}{urlencode({'code': code, 'state': params['state']})}", None

    # --- token ---

    def token(self, raw_body: bytes, authorization: str | None) -> OAuthAnswer:
        form = dict(parse_qsl(raw_body.decode("utf-8", "replace"), keep_blank_values=True))
        client_id = form.get("client_id") or _basic_user(authorization)
        if not client_id:
            return _error(401, "invalid_client", "no client authentication")
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                return self._exchange_code(form, client_id)
            if grant == "refresh_token":
                return self._refresh_grant(form)
        return _error(400, "unsupported_grant_type", f"grant_type {grant!r}")

    def _exchange_code(self, form: dict[str, str], client_id: str) -> OAuthAnswer:
        code = self._codes.pop(form.get("code", ""), None)  # a code works once
        if code is None or code.expires_at < self._clock():
            return _error(400, "invalid_grant", "unknown, used or expired authorization code")
        if code.client_id != client_id or code.redirect_uri != form.get("redirect_uri"):
            return _error(400, "invalid_grant", "client_id or redirect_uri differ from the authorization request")
        if _s256(form.get("code_verifier", "")) != code.challenge:
            return _error(400, "invalid_grant", "code_verifier does not match code_challenge")
        return self._issue(code.username, code.scopes)

    def _refresh_grant(self, form: dict[str, str]) -> OAuthAnswer:
        held = self._refresh.pop(form.get("refresh_token", ""), None)  # single-use
        if held is None:
            return _error(400, "invalid_grant", "Value passed for the token was invalid.")
        self.refreshes += 1
        return self._issue(*held)

    def _issue(self, username: str, scopes: str) -> OAuthAnswer:
        access = TOKEN_PREFIX + secrets.token_urlsafe(24)
        self._access[access] = (username, self._clock() + self.token_lifetime)
        body = {"token_type": "bearer", "expires_in": self.token_lifetime, "access_token": access, "scope": scopes}
        if "offline.access" in scopes.split():
            refresh = TOKEN_PREFIX + "r-" + secrets.token_urlsafe(24)
            self._refresh[refresh] = (username, scopes)
            body["refresh_token"] = refresh
        return OAuthAnswer(200, body)

    # --- for the API endpoints, and tests ---

    def account_for(self, token: str) -> str | None:
        """The username an unexpired access token posts as; None for an unknown or expired one."""
        with self._lock:
            held = self._access.get(token)
        if held is None or held[1] <= self._clock():
            return None
        return held[0]

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._access = {token: (username, 0.0) for token, (username, _) in self._access.items()}

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self._refresh.clear()


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _basic_user(authorization: str | None) -> str:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return base64.b64decode(encoded).decode().partition(":")[0]
    except ValueError:
        return ""


def _error(status: int, error: str, description: str) -> OAuthAnswer:
    return OAuthAnswer(status, {"error": error, "error_description": description})


SIGN_IN_FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake X: authorize</title></head>
<body><h1>Fake X API</h1><p>Sign in as the account to connect, and authorize the app.</p>
<form method="get" action="/i/oauth2/authorize">{hidden}
<label>X username <input name="username" required></label> <button type="submit">Authorize app</button>
</form></body></html>"""
