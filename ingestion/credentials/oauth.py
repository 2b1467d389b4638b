"""OAuth 2.0 with PKCE against X (X_API.md 1): the authorize URL, and the token endpoint's two grants.

Authorization code: the admin is sent to X with a random `state` and the S256 challenge of a secret
verifier; X sends them back with a code, which is exchanged (with the verifier) within 30 s. Refresh:
the refresh token buys a new access token and a new refresh token; the old refresh token is spent.
A confidential client authenticates with HTTP Basic (client id and secret); a public one names its
client id in the form.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.utils import timezone

from ingestion.x_client import USER_AGENT

TOKEN_TIMEOUT_SECONDS = 10.0


class TokenEndpointError(Exception):
    """The token endpoint refused or could not be reached. `permanent`: X refused the grant itself
    (invalid_grant: a spent or revoked refresh token, a wrong verifier), so asking again cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What the token endpoint gave: never logged, never shown."""

    access_token: str
    refresh_token: str
    expires_at: datetime | None
    scopes: str

    def __repr__(self) -> str:  # the tokens stay out of tracebacks and logs
        return f"TokenGrant(expires_at={self.expires_at!r}, scopes={self.scopes!r})"


@dataclass(frozen=True, slots=True)
class PkceRequest:
    """One authorization attempt: `state` and `verifier` stay in the admin's session, `url` is where X asks."""

    state: str
    verifier: str
    url: str


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of `verifier` (RFC 7636 4.2): base64url of its SHA-256, unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_request_new(*, redirect_uri: str) -> PkceRequest:
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters, within RFC 7636's 43 to 128
    query = urlencode({
        "response_type": "code",
        "client_id": settings.X_OAUTH_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": " ".join(settings.X_OAUTH_SCOPES),
        "state": state,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    })  # fmt: skip
    return PkceRequest(state=state, verifier=verifier, url=f"{settings.X_OAUTH_AUTHORIZE_URL}?{query}")


def _client_auth(form: dict[str, str]) -> tuple[dict[str, str], httpx.BasicAuth | None]:
    if settings.X_OAUTH_CLIENT_SECRET:
        return form, httpx.BasicAuth(settings.X_OAUTH_CLIENT_ID, settings.X_OAUTH_CLIENT_SECRET)
    return {**form, "client_id": settings.X_OAUTH_CLIENT_ID}, None


def _token_request(form: dict[str, str]) -> TokenGrant:
    form, auth = _client_auth(form)
    try:
        response = httpx.post(
            settings.X_OAUTH_TOKEN_URL,
            data=form,
            auth=auth,
            timeout=TOKEN_TIMEOUT_SECONDS,
            headers={"User-Agent": USER_AGENT},
        )
    except httpx.TransportError as error:
        raise TokenEndpointError(
            f"X's token endpoint could not be reached: {type(error).__name__}", permanent=False
        ) from error
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code >= 400:
        error = str(body.get("error") or response.status_code)
        description = str(body.get("error_description") or "")[:200]
        # RFC 6749 5.2: the grant or client is refused; a 5xx or a 429 may pass on another try.
        permanent = response.status_code in (400, 401) and error in (
            "invalid_grant",
            "invalid_client",
            "invalid_request",
            "unauthorized_client",
        )
        raise TokenEndpointError(
            f"X's token endpoint answered {response.status_code} {error} {description}".strip(), permanent=permanent
        )
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise TokenEndpointError("X's token endpoint answered without an access token", permanent=False)
    expires_in = body.get("expires_in")
    expires_at = timezone.now() + timedelta(seconds=int(expires_in)) if isinstance(expires_in, int | float) else None
    refresh_token = body.get("refresh_token")
    return TokenGrant(
        access_token=access_token,
        refresh_token=refresh_token if isinstance(refresh_token, str) else "",
        expires_at=expires_at,
        scopes=str(body.get("scope") or ""),
    )


def token_exchange_code(*, code: str, verifier: str, redirect_uri: str) -> TokenGrant:
    return _token_request({
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    })  # fmt: skip


def token_refresh(*, refresh_token: str) -> TokenGrant:
    return _token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})


def token_owner(*, access_token: str) -> tuple[str, str]:
    """(user id, username) of whom `access_token` posts as: GET /2/users/me."""
    try:
        response = httpx.get(
            f"{settings.X_API_BASE_URL.rstrip('/')}/2/users/me",
            headers={"Authorization": f"Bearer {access_token}", "User-Agent": USER_AGENT},
            timeout=TOKEN_TIMEOUT_SECONDS,
        )
    except httpx.TransportError as error:
        raise TokenEndpointError(f"X could not be reached: {type(error).__name__}", permanent=False) from error
    data = (response.json() or {}).get("data") if response.status_code == 200 else None
    if not isinstance(data, dict) or "id" not in data:
        raise TokenEndpointError(
            f"X did not say whom the new token belongs to ({response.status_code})", permanent=False
        )
    return str(data["id"]), str(data.get("username", ""))
