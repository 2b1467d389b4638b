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
