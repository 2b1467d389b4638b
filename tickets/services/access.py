"""Signing in: the API token exchange, and the LOGIN / LOGIN_FAILED audit events.

The events are written by the receivers of Django's `user_logged_in` / `user_login_failed`
signals (connected in tickets.apps), so every door (the admin, the API) records them alike.
"""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import User
from tickets.audit import EventDraft, audit_event_append
from tickets.models import EventKind
from tickets.services.errors import TicketActionError


@transaction.atomic
def login_record(*, user: User, ip_address: str | None, path: str) -> None:
    audit_event_append(EventDraft(EventKind.LOGIN, None, user.pk, {"ip": ip_address, "path": path}))


@transaction.atomic
def login_failed_record(*, username: str, ip_address: str | None, path: str) -> None:
    # The name as typed (it may be nobody's), never the password.
    audit_event_append(
        EventDraft(EventKind.LOGIN_FAILED, None, None, {"username": username[:150], "ip": ip_address, "path": path})
    )


def api_token_obtain(*, username: str, password: str, request=None) -> str:
    """The user's API token for a username and password; TicketActionError when they do not match
    an active user. Signals a login, so the LOGIN (or LOGIN_FAILED) event is written as for the admin.

    Deliberately not one transaction: a refusal must not roll back its LOGIN_FAILED event."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise TicketActionError("invalid_credentials", "Unable to sign in with this username and password.")
    token, _ = Token.objects.get_or_create(user=user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token.key
