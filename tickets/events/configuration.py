"""Events on the configuration that routes and serves tickets: departments, hashtags, official
accounts, routing rules, business calendars and SLA policies. None is on a ticket; `actor_id` is
the administrator.

Kind (builder): stored keys, and what they mean.

- config_changed (config_changed_event): model (the app label and model, "departments.hashtag");
  object_id; object (its name as the admin shows it); action ("add", "change", "delete");
  changes (each changed field, by its column name: [before, after], None for the side that does
  not exist on add and delete); related, only when rows saved with the object changed (a
  calendar's "periods" and "holidays"): per relation, "added" and "removed" (each row's fields with
  its "id") and "changed" (each row's "id" and its "changes", [before, after] by field).

Official accounts' posting credentials (ingestion.credentials.services); the tokens themselves are
never recorded, only what they allow and until when:

- account_connected (account_connected_event; no actor when loaded by a command): account_id;
  handle; source ("pkce", "imported"); scopes (space-separated); expires_at (ISO 8601, or None);
  x_user_id (whom X issued the tokens to); oauth1 (whether an OAuth 1.0a pair was saved).
- account_refreshed (account_refreshed_event; actor: who asked, None for the beat or the sender):
  account_id; handle; expires_at (the new expiry); scopes.
- refresh_failed (account_refresh_failed_event, written when a working credential's refresh first
  fails, not at every retry): account_id; handle; error; reconnect (true: X refused the refresh
  token, so only connecting again helps).
- account_disconnected (account_disconnected_event): account_id; handle.
"""

from datetime import datetime

from tickets.audit import EventDraft
from tickets.models import EventKind


def config_changed_event(
    *,
    actor_id: int,
    model: str,
    object_id: int,
    object_label: str,
    action: str,
    changes: dict[str, list],
    related: dict[str, dict[str, list]] | None = None,
) -> EventDraft:
    """CONFIG_CHANGED: `actor_id` did `action` to object `object_id` of `model` (`object_label`),
    changing the fields in `changes` and the rows in `related`."""
    data = {"model": model, "object_id": object_id, "object": object_label, "action": action, "changes": changes}
    if related:
        data["related"] = related
    return EventDraft(EventKind.CONFIG_CHANGED, actor_id=actor_id, data=data)


def account_connected_event(
    *,
    actor_id: int | None,
    account_id: int,
    handle: str,
    source: str,
    scopes: str,
    expires_at: datetime | None,
    x_user_id: str,
    oauth1: bool,
) -> EventDraft:
    """ACCOUNT_CONNECTED: posting credentials for @`handle` were saved (by `actor_id`, or a command)."""
    data = {
        "account_id": account_id,
        "handle": handle,
        "source": source,
        "scopes": scopes,
        "expires_at": expires_at.isoformat() if expires_at else None,
        "x_user_id": x_user_id,
        "oauth1": oauth1,
    }
    return EventDraft(EventKind.ACCOUNT_CONNECTED, actor_id=actor_id, data=data)


def account_refreshed_event(
    *, actor_id: int | None, account_id: int, handle: str, expires_at: datetime | None, scopes: str
) -> EventDraft:
    """ACCOUNT_REFRESHED: @`handle`'s access token was renewed, now valid until `expires_at`."""
    data = {
        "account_id": account_id,
        "handle": handle,
        "expires_at": expires_at.isoformat() if expires_at else None,
        "scopes": scopes,
    }
    return EventDraft(EventKind.ACCOUNT_REFRESHED, actor_id=actor_id, data=data)


def account_refresh_failed_event(
    *, actor_id: int | None, account_id: int, handle: str, error: str, reconnect: bool
) -> EventDraft:
    """ACCOUNT_REFRESH_FAILED: renewing @`handle`'s token failed with `error`."""
    data = {"account_id": account_id, "handle": handle, "error": error, "reconnect": reconnect}
    return EventDraft(EventKind.ACCOUNT_REFRESH_FAILED, actor_id=actor_id, data=data)


def account_disconnected_event(*, actor_id: int, account_id: int, handle: str) -> EventDraft:
    """ACCOUNT_DISCONNECTED: `actor_id` removed @`handle`'s posting credentials."""
    return EventDraft(
        EventKind.ACCOUNT_DISCONNECTED, actor_id=actor_id, data={"account_id": account_id, "handle": handle}
    )
