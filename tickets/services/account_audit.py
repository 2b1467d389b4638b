"""Signing in, as audit events: LOGIN and LOGIN_FAILED.

The events are written by the receivers of Django's `user_logged_in` / `user_login_failed`
signals (connected in tickets.apps), so every door (the admin, the API token exchange in
accounts.services) records them alike. A failed attempt for a username that is nobody's is not
an event: anyone can type any name, and each event takes the chain's head lock, so those go to
the ordinary log.
"""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import User
from tickets.audit import audit_event_append
from tickets.events.account import (
    login_event,
    login_failed_event,
    otp_enrolled_event,
    password_changed_event,
    token_issued_event,
    tokens_revoked_event,
)

logger = logging.getLogger(__name__)

# As much of a typed unknown username as the log keeps.
LOGGED_USERNAME_LENGTH = 64


@transaction.atomic
def login_record(*, user: User, ip_address: str | None, path: str) -> None:
    audit_event_append(login_event(user_id=user.pk, ip_address=ip_address, path=path))


def _account_exists(username: str) -> bool:
    # Looked up as ModelBackend looks it up, so "a real account" means what signing in means.
    user_model = get_user_model()
    return user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).exists()


def login_failed_record(*, username: str, ip_address: str | None, path: str) -> None:
    """A failed sign-in: a LOGIN_FAILED event for a real account (never the password), a log line
    for a name that is nobody's."""
    if not username or not _account_exists(username):
        # %r: the name is whatever was typed, so no line breaks or control characters reach the log.
        logger.warning(
            "Failed sign-in for unknown username %r from %s at %s",
            username[:LOGGED_USERNAME_LENGTH],
            ip_address,
            path,
        )
        return
    _login_failed_event(username=username, ip_address=ip_address, path=path)


@transaction.atomic
def _login_failed_event(*, username: str, ip_address: str | None, path: str) -> None:
    audit_event_append(login_failed_event(username=username, ip_address=ip_address, path=path))


# Accounts' changes (announced by accounts.signals inside their transaction). A token is named by
# the start of its digest, which identifies it in the admin; the token itself is never recorded.
def token_ref(token) -> str:
    return token.digest[:16]


def _actor_id(actor) -> int | None:
    return actor.pk if actor is not None else None


def password_changed_record(*, user: User, actor, tokens_revoked: int) -> None:
    audit_event_append(
        password_changed_event(
            actor_id=_actor_id(actor), user_id=user.pk, username=user.get_username(), tokens_revoked=tokens_revoked
        )
    )


def token_issued_record(*, user: User, actor, token) -> None:
    audit_event_append(
        token_issued_event(actor_id=_actor_id(actor), user_id=user.pk, token_ref=token_ref(token), expiry=token.expiry)
    )


def tokens_revoked_record(*, user: User, actor, tokens, reason: str) -> None:
    refs = [token_ref(token) for token in tokens]
    audit_event_append(
        tokens_revoked_event(actor_id=_actor_id(actor), user_id=user.pk, token_refs=refs, reason=reason)
    )


def otp_enrolled_record(*, user: User, actor, device) -> None:
    audit_event_append(otp_enrolled_event(actor_id=_actor_id(actor), user_id=user.pk, device_id=device.persistent_id))
