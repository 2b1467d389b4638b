"""Writes of the accounts' posting credentials: connect, import, refresh, disconnect, re-encrypt.

Each is one transaction that locks the credential's row (SELECT ... FOR UPDATE) and writes its audit
event. Refresh tokens are single-use: the refresh holds the row's lock while it asks X, and looks at
the expiry again once it has the lock, so two workers never spend one refresh token (the second finds
the token already renewed). A failed refresh leaves the credential's status and error for the admin
and the log; the reply waiting on it stays in the outbox.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import OfficialAccount
from ingestion.credentials.crypto import TokenKeyError, token_decrypt, token_encrypt, token_reencrypt
from ingestion.credentials.oauth import TokenEndpointError, TokenGrant, token_refresh
from ingestion.credentials.selectors import account_connect_allowed, credentials_refresh_due
from ingestion.models import AccountCredential, CredentialSource, CredentialStatus
from ingestion.x_client import OAuth1Pair, XConfigurationError
from tickets.audit import audit_event_append
from tickets.events.configuration import (
    account_connected_event,
    account_disconnected_event,
    account_refresh_failed_event,
    account_refreshed_event,
)

logger = logging.getLogger(__name__)

# The sender renews a token that expires within this before posting with it (the beat, with the
# wider X_TOKEN_REFRESH_MARGIN_SECONDS, usually got there first).
POST_REFRESH_MARGIN = timedelta(seconds=60)


class CredentialUnavailable(XConfigurationError):
    """The account has credentials, but none that can post now: the refresh failed, X refused the
    refresh token, or the stored text cannot be decrypted. The reply waits in the outbox."""


class CredentialMismatch(ValueError):
    """The admin signed in to X as someone other than the official account."""


def _credential_locked(account_id: int) -> AccountCredential | None:
    return (
        AccountCredential.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(account_id=account_id)
        .first()
    )


def _save_tokens(
    credential: AccountCredential,
    *,
    access_token: str,
    refresh_token: str,
    expires_at: datetime | None,
    scopes: str,
    oauth1_token: str = "",
    oauth1_secret: str = "",
) -> None:
    credential.access_token_encrypted = token_encrypt(access_token)
    credential.refresh_token_encrypted = token_encrypt(refresh_token)
    credential.expires_at = expires_at
    credential.scopes = scopes
    credential.oauth1_token_encrypted = token_encrypt(oauth1_token)
    credential.oauth1_secret_encrypted = token_encrypt(oauth1_secret)
    credential.status, credential.last_error = CredentialStatus.ACTIVE, ""


def account_credential_connect(
    *, actor, account_id: int, grant: TokenGrant, x_user_id: str, x_username: str = ""
) -> AccountCredential:
    """Save the tokens X issued through the PKCE flow, replacing any the account had.

    PermissionDenied unless `actor` is a ministry admin of the account's ministry; CredentialMismatch
    when X issued them to another user than the account (the admin was signed in to X as someone else).
    """
    with transaction.atomic(durable=True):
        account = OfficialAccount.objects.select_for_update().get(pk=account_id)
        if not account_connect_allowed(actor=actor, account=account):
            raise PermissionDenied(_("Only a ministry admin of this account's ministry may connect it on X."))
        if x_user_id != account.x_user_id:
            raise CredentialMismatch(
                _(
                    "You signed in to X as @%(username)s (id %(id)s), not as @%(handle)s. "
                    "Sign in to X as @%(handle)s and connect again."
                )
                % {"username": x_username or "?", "id": x_user_id, "handle": account.handle}
            )
        credential = _credential_locked(account.pk) or AccountCredential(account=account)
        _save_tokens(
            credential,
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            expires_at=grant.expires_at,
            scopes=grant.scopes,
        )
        credential.x_user_id, credential.source = x_user_id, CredentialSource.OAUTH2_PKCE
        credential.connected_at, credential.connected_by, credential.refreshed_at = timezone.now(), actor, None
        credential.save()
        audit_event_append(
            account_connected_event(
                actor_id=actor.pk,
                account_id=account.pk,
                handle=account.handle,
                source=credential.source,
                scopes=credential.scopes,
                expires_at=credential.expires_at,
                x_user_id=x_user_id,
                oauth1=False,
            )
        )
        logger.info("credentials: @%s connected on X by user %s", account.handle, actor.pk)
    return credential


def account_credential_import(
    *,
    account_id: int,
    access_token: str = "",
    refresh_token: str = "",
    expires_at: datetime | None = None,
    scopes: str = "",
    oauth1_token: str = "",
    oauth1_secret: str = "",
) -> AccountCredential:
    """Save tokens handed to a command (X_ACCOUNT_TOKENS, loaded once): no actor, recorded as imported."""
    with transaction.atomic(durable=True):
        account = OfficialAccount.objects.select_for_update().get(pk=account_id)
        credential = _credential_locked(account.pk) or AccountCredential(account=account)
        _save_tokens(
            credential,
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=expires_at,
            scopes=scopes,
            oauth1_token=oauth1_token,
            oauth1_secret=oauth1_secret,
        )
        credential.x_user_id, credential.source = account.x_user_id, CredentialSource.IMPORTED
        credential.connected_at, credential.connected_by, credential.refreshed_at = timezone.now(), None, None
        credential.save()
        audit_event_append(
            account_connected_event(
                actor_id=None,
                account_id=account.pk,
                handle=account.handle,
                source=credential.source,
                scopes=scopes,
                expires_at=expires_at,
                x_user_id=account.x_user_id,
                oauth1=bool(oauth1_token),
            )
        )
    return credential


def account_credential_disconnect(*, actor, account_id: int) -> bool:
    """Forget the account's credentials (replies from it then wait until it is connected again).
    PermissionDenied unless a ministry admin of its ministry; False if it had none. Not durable: the
    admin's delete view runs it inside its own transaction."""
    with transaction.atomic():
        account = OfficialAccount.objects.select_for_update().get(pk=account_id)
        if not account_connect_allowed(actor=actor, account=account):
            raise PermissionDenied(_("Only a ministry admin of this account's ministry may disconnect it."))
        credential = _credential_locked(account.pk)
        if credential is None:
            return False
        credential.delete()
        audit_event_append(account_disconnected_event(actor_id=actor.pk, account_id=account.pk, handle=account.handle))
        logger.info("credentials: @%s disconnected by user %s", account.handle, actor.pk)
    return True


def _expires_within(credential: AccountCredential, margin: timedelta) -> bool:
    return credential.expires_at is not None and credential.expires_at <= timezone.now() + margin


def _refresh_failed(credential: AccountCredential, *, error: str, reconnect: bool, actor_id: int | None) -> None:
    first_failure = credential.status == CredentialStatus.ACTIVE
    credential.status = CredentialStatus.RECONNECT if reconnect else CredentialStatus.REFRESH_FAILED
    credential.last_error = error
    credential.save(update_fields=["status", "last_error"])
    logger.warning("credentials: refreshing @%s's token failed: %s", credential.account.handle, error)
    # One event when a working credential breaks (or is refused for good), not one per retry.
    if first_failure or reconnect:
        audit_event_append(
            account_refresh_failed_event(
                actor_id=actor_id,
                account_id=credential.account_id,
                handle=credential.account.handle,
                error=error,
                reconnect=reconnect,
            )
        )


def account_credential_refresh(
    *, account_id: int, margin: timedelta, actor=None, force: bool = False
) -> AccountCredential | None:
    """Renew the account's access token if it expires within `margin` (or always, with `force`).

    Holds the credential's row lock while X answers, so a single-use refresh token is spent once;
    a second caller waits, then finds the token fresh and returns. A failure is recorded on the
    credential (REFRESH_FAILED, or RECONNECT when X refused the refresh token) and returned, not raised.
    """
    with transaction.atomic(durable=True):
        credential = _credential_locked(account_id)
        if credential is None or not credential.refresh_token_encrypted:
            return credential
        if credential.status == CredentialStatus.RECONNECT:
            return credential
        if not force and credential.status == CredentialStatus.ACTIVE and not _expires_within(credential, margin):
            return credential  # renewed meanwhile by another worker
        actor_id = actor.pk if actor is not None else None
        try:
            grant = token_refresh(refresh_token=token_decrypt(credential.refresh_token_encrypted))
        except TokenKeyError as error:
            _refresh_failed(credential, error=str(error), reconnect=True, actor_id=actor_id)
            return credential
        except TokenEndpointError as error:
            _refresh_failed(credential, error=str(error), reconnect=error.permanent, actor_id=actor_id)
            return credential
        _save_tokens(
            credential,
            access_token=grant.access_token,
            # X sends a new refresh token with each refresh; keep the old one only if it did not.
            refresh_token=grant.refresh_token or token_decrypt(credential.refresh_token_encrypted),
            expires_at=grant.expires_at,
            scopes=grant.scopes or credential.scopes,
            oauth1_token=token_decrypt(credential.oauth1_token_encrypted),
            oauth1_secret=token_decrypt(credential.oauth1_secret_encrypted),
        )
        credential.refreshed_at = timezone.now()
        credential.save()
        audit_event_append(
            account_refreshed_event(
                actor_id=actor_id,
                account_id=credential.account_id,
                handle=credential.account.handle,
                expires_at=credential.expires_at,
                scopes=credential.scopes,
            )
        )
        logger.info(
            "credentials: @%s's token refreshed, valid until %s", credential.account.handle, credential.expires_at
        )
    return credential


@dataclass(slots=True)
class RefreshSummary:
    refreshed: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"refreshed {self.refreshed}, failed {self.failed}"


def account_credentials_refresh_due(*, margin: timedelta | None = None) -> RefreshSummary:
    """The beat's pass: renew every refreshable token that expires within `margin`
    (X_TOKEN_REFRESH_MARGIN_SECONDS), each in its own short transaction."""
    margin = margin if margin is not None else timedelta(seconds=settings.X_TOKEN_REFRESH_MARGIN_SECONDS)
    summary = RefreshSummary()
    for account_id in list(credentials_refresh_due(margin=margin).values_list("account_id", flat=True)):
        credential = account_credential_refresh(account_id=account_id, margin=margin)
        if credential is not None and credential.status == CredentialStatus.ACTIVE:
            summary.refreshed += 1
        else:
            summary.failed += 1
    return summary


def posting_token_get(*, account_id: int) -> str | OAuth1Pair | None:
    """What to post as the account with: its OAuth 2.0 access token (renewed first if it expires
    within POST_REFRESH_MARGIN), else its OAuth 1.0a pair. None: the account has no credentials at
    all. CredentialUnavailable: it has, but none that can post now (see the credential's status and
    last error)."""
    credential = AccountCredential.objects.select_related("account").filter(account_id=account_id).first()
    if credential is None:
        return None
    if credential.refresh_token_encrypted and (
        credential.status != CredentialStatus.ACTIVE or _expires_within(credential, POST_REFRESH_MARGIN)
    ):
        credential = account_credential_refresh(account_id=account_id, margin=POST_REFRESH_MARGIN)
    handle = credential.account.handle
    if credential.status != CredentialStatus.ACTIVE:
        raise CredentialUnavailable(f"@{handle}'s token cannot be used: {credential.last_error}")
    try:
        if not credential.access_token_encrypted:
            return OAuth1Pair(
                token_decrypt(credential.oauth1_token_encrypted), token_decrypt(credential.oauth1_secret_encrypted)
            )
        if credential.expires_at is not None and credential.expires_at <= timezone.now():
            raise CredentialUnavailable(f"@{handle}'s token expired and there is no refresh token: connect it again")
        return token_decrypt(credential.access_token_encrypted)
    except TokenKeyError as error:
        raise CredentialUnavailable(f"@{handle}: {error}") from error


def account_credential_expire(*, account_id: int) -> None:
    """X refused the access token before its time (401): treat it as expired, so the next post renews it."""
    with transaction.atomic(durable=True):
        credential = _credential_locked(account_id)
        if credential is not None and credential.refresh_token_encrypted:
            credential.expires_at = timezone.now()
            credential.save(update_fields=["expires_at"])


def account_credentials_reencrypt() -> int:
    """Encrypt every stored token again with the first of SEVA_TOKEN_KEYS (after adding a new key,
    before dropping the old one). Returns how many credentials were rewritten."""
    fields = ["access_token_encrypted", "refresh_token_encrypted", "oauth1_token_encrypted", "oauth1_secret_encrypted"]
    count = 0
    for account_id in list(AccountCredential.objects.values_list("account_id", flat=True)):
        with transaction.atomic(durable=True):
            credential = _credential_locked(account_id)
            if credential is None:
                continue
            for name in fields:
                setattr(credential, name, token_reencrypt(getattr(credential, name)))
            credential.save(update_fields=fields)
            count += 1
    return count
