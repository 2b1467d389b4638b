"""Signing in, as audit events: LOGIN and LOGIN_FAILED.

The events are written by the receivers of Django's `user_logged_in` / `user_login_failed`
signals (connected in tickets.apps), so every door (the admin, the API token exchange in
accounts.services) records them alike.
"""

from django.db import transaction

from accounts.models import User
from tickets.audit import EventDraft, audit_event_append
from tickets.models import EventKind


@transaction.atomic
def login_record(*, user: User, ip_address: str | None, path: str) -> None:
    audit_event_append(EventDraft(EventKind.LOGIN, None, user.pk, {"ip": ip_address, "path": path}))


@transaction.atomic
def login_failed_record(*, username: str, ip_address: str | None, path: str) -> None:
    # The name as typed (it may be nobody's), never the password.
    audit_event_append(
        EventDraft(EventKind.LOGIN_FAILED, None, None, {"username": username[:150], "ip": ip_address, "path": path})
    )


# Accounts' changes (announced by accounts.signals inside their transaction). A token is named by
# the start of its digest, which identifies it in the admin; the token itself is never recorded.
def token_ref(token) -> str:
    return token.digest[:16]


def _actor_id(actor) -> int | None:
    return actor.pk if actor is not None else None


def password_changed_record(*, user: User, actor, tokens_revoked: int) -> None:
    data = {"user": user.pk, "username": user.get_username(), "tokens_revoked": tokens_revoked}
    audit_event_append(EventDraft(EventKind.PASSWORD_CHANGED, None, _actor_id(actor), data))


def token_issued_record(*, user: User, actor, token) -> None:
    data = {"user": user.pk, "token": token_ref(token), "expiry": token.expiry.isoformat() if token.expiry else None}
    audit_event_append(EventDraft(EventKind.TOKEN_ISSUED, None, _actor_id(actor), data))


def tokens_revoked_record(*, user: User, actor, tokens, reason: str) -> None:
    data = {"user": user.pk, "tokens": sorted(token_ref(token) for token in tokens), "reason": reason}
    audit_event_append(EventDraft(EventKind.TOKEN_REVOKED, None, _actor_id(actor), data))


def otp_enrolled_record(*, user: User, actor, device) -> None:
    data = {"user": user.pk, "device": device.persistent_id}
    audit_event_append(EventDraft(EventKind.OTP_ENROLLED, None, _actor_id(actor), data))
