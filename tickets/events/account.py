"""Events on accounts: signing in, passwords, API tokens, two-factor devices, roles. None is on a
ticket; `actor_id` is who acted (None for the system or a command), `user` the account concerned.

Kind (builder): stored keys, and what they mean.

- login (login_event, the actor is who signed in): ip (the client's address, or None); path (the
  door: the admin's login page, the API's token exchange).
- login_failed (login_failed_event, no actor): username (as typed, at most 150 characters, for a
  real account only); ip; path. Never the password.
- password_changed (password_changed_event): user (id); username; tokens_revoked (how many of the
  user's API tokens went with the old password).
- token_issued (token_issued_event): user; token (the start of its digest, never the token);
  expiry (ISO 8601, or None).
- token_revoked (tokens_revoked_event): user; tokens (their digests' starts, sorted); reason (a
  short code).
- otp_enrolled (otp_enrolled_event): user; device (the device's persistent id).
- role_granted, role_revoked (role_granted_event, role_revoked_event): membership_id; user_id;
  username; department_id; department (its code); role; on_duty.
- role_changed (role_changed_event): the same keys, as the membership is now, and changes (each
  changed key: [before, after]).
- duty_changed (duty_changed_event, the actor is the officer): user_id; username; on_duty (now);
  memberships (the ids of the officer memberships switched); departments (their codes, sorted).
"""

from collections.abc import Iterable
from datetime import datetime

from departments.models import Department, Membership
from tickets.audit import EventDraft
from tickets.models import EventKind

# The longest username an account can have: a longer typed one is cut there.
_USERNAME_LENGTH = 150


def login_event(*, user_id: int, ip_address: str | None, path: str) -> EventDraft:
    """LOGIN: user `user_id` signed in from `ip_address` at `path`."""
    return EventDraft(EventKind.LOGIN, None, user_id, {"ip": ip_address, "path": path})


def login_failed_event(*, username: str, ip_address: str | None, path: str) -> EventDraft:
    """LOGIN_FAILED: a failed sign-in for the real account `username`, from `ip_address` at `path`."""
    return EventDraft(
        EventKind.LOGIN_FAILED, None, None, {"username": username[:_USERNAME_LENGTH], "ip": ip_address, "path": path}
    )


def password_changed_event(*, actor_id: int | None, user_id: int, username: str, tokens_revoked: int) -> EventDraft:
    """PASSWORD_CHANGED: `user_id`'s password changed; `tokens_revoked` API tokens went with it."""
    data = {"user": user_id, "username": username, "tokens_revoked": tokens_revoked}
    return EventDraft(EventKind.PASSWORD_CHANGED, None, actor_id, data)


def token_issued_event(*, actor_id: int | None, user_id: int, token_ref: str, expiry: datetime | None) -> EventDraft:
    """TOKEN_ISSUED: an API token for `user_id`, named by `token_ref`, valid until `expiry` (None: no end)."""
    data = {"user": user_id, "token": token_ref, "expiry": expiry.isoformat() if expiry else None}
    return EventDraft(EventKind.TOKEN_ISSUED, None, actor_id, data)


def tokens_revoked_event(*, actor_id: int | None, user_id: int, token_refs: Iterable[str], reason: str) -> EventDraft:
    """TOKEN_REVOKED: `user_id`'s API tokens named by `token_refs` were revoked, for `reason`."""
    data = {"user": user_id, "tokens": sorted(token_refs), "reason": reason}
    return EventDraft(EventKind.TOKEN_REVOKED, None, actor_id, data)


def otp_enrolled_event(*, actor_id: int | None, user_id: int, device_id: str) -> EventDraft:
    """OTP_ENROLLED: `user_id` confirmed two-factor device `device_id` (its persistent id)."""
    return EventDraft(EventKind.OTP_ENROLLED, None, actor_id, {"user": user_id, "device": device_id})


# --- Roles: memberships of departments ---------------------------------------------------------


def _membership_data(membership: Membership) -> dict:
    return {
        "membership_id": membership.pk,
        "user_id": membership.user_id,
        "username": membership.user.get_username(),
        "department_id": membership.department_id,
        "department": membership.department.code,
        "role": membership.role,
        "on_duty": membership.on_duty,
    }


def role_granted_event(*, actor_id: int, membership: Membership) -> EventDraft:
    """ROLE_GRANTED: `membership` (saved) gave its user its role on its department."""
    return EventDraft(EventKind.ROLE_GRANTED, actor_id=actor_id, data=_membership_data(membership))


def role_changed_event(
    *,
    actor_id: int,
    membership: Membership,
    previous_department: Department,
    previous_role: str,
    previous_on_duty: bool,
) -> EventDraft | None:
    """ROLE_CHANGED: `membership` (its user stays) was moved from `previous_department`,
    `previous_role`, `previous_on_duty` to what it holds now. None when nothing changed."""
    after = _membership_data(membership)
    before = after | {
        "department_id": previous_department.pk,
        "department": previous_department.code,
        "role": previous_role,
        "on_duty": previous_on_duty,
    }
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if not changes:
        return None
    return EventDraft(EventKind.ROLE_CHANGED, actor_id=actor_id, data={**after, "changes": changes})


def role_revoked_event(*, actor_id: int, membership: Membership) -> EventDraft:
    """ROLE_REVOKED: `membership` is being deleted (build this before, while it has its id)."""
    return EventDraft(EventKind.ROLE_REVOKED, actor_id=actor_id, data=_membership_data(membership))


def duty_changed_event(*, actor_id: int, user_id: int, username: str, on_duty: bool, memberships) -> EventDraft:
    """DUTY_CHANGED: the officer `user_id` went on (or off) duty on `memberships` (their officer
    memberships that changed), so automatic assignment gives them tickets (or stops)."""
    data = {
        "user_id": user_id,
        "username": username,
        "on_duty": on_duty,
        "memberships": sorted(membership.pk for membership in memberships),
        "departments": sorted(membership.department.code for membership in memberships),
    }
    return EventDraft(EventKind.DUTY_CHANGED, actor_id=actor_id, data=data)
