"""Signing in: the API token exchange, the one-time code check, enrolling a TOTP device, API
tokens (issued, revoked) and passwords.

A sign-in (or a refused one) is announced with Django's `user_logged_in` / `user_login_failed`
signals and nothing else: tickets' receivers write the LOGIN / LOGIN_FAILED audit events and
django-axes counts the failures, so every door (the admin, the API) is recorded and locked alike.
The other changes are announced with accounts.signals, inside their transaction, for the
PASSWORD_CHANGED, TOKEN_ISSUED, TOKEN_REVOKED and OTP_ENROLLED events. accounts imports neither
tickets nor departments: whether a user's roles demand two-factor sign-in is asked of the caller.

API tokens are django-rest-knox's: only a SHA-512 digest is stored, each has an expiry
(SEVA_API_TOKEN_TTL_DAYS), and a client may hold several (one per program), each revocable.
"""

from collections.abc import Callable
from datetime import timedelta

import django_otp
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from accounts.lockout import lockout_cool_off, lockout_minutes
from accounts.selectors import totp_device_confirmed, totp_device_pending
from accounts.signals import api_token_issued, api_tokens_revoked, password_changed, two_factor_enrolled
from seva.errors import AppError

OTP_REQUIRED = _("Enter the one-time code from your authenticator app.")
OTP_INVALID = _("That one-time code is wrong or has expired. Wait for the next one and try again.")
OTP_ENROLMENT_REQUIRED = _(
    "Your role requires two-factor sign-in. Sign in to the staff workspace and set it up first, "
    "then ask for a token with a one-time code."
)


class SignInRefused(AppError):
    """A sign-in or an enrolment step that did not succeed; `code` is stable, for programs."""


def _locked_out(request) -> bool:
    # django-axes flags the request it was handed when the username and address are locked out.
    return bool(getattr(request, "axes_locked_out", False))


def _locked_out_error(request) -> SignInRefused:
    return SignInRefused(
        "locked_out",
        _("Too many failed sign-ins for this username from this address. Try again in %(minutes)d minutes.")
        % {"minutes": lockout_minutes(request=request)},
        http_status=429,
        retry_after=int(lockout_cool_off(request=request).total_seconds()),
    )


def _login_failed_signal(*, username: str, request) -> None:
    # As django.contrib.auth.authenticate() announces a wrong password (never with the secret).
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def two_factor_check(*, user, code: str, request) -> TOTPDevice | None:
    """Check the one-time code of a user whose password is already right.

    Returns the device that accepted the code, or None when the user has no second factor (nothing
    to check). Raises SignInRefused `otp_required` (no code) or `otp_invalid`; a wrong code is a
    failed sign-in, so it is audited and counts towards the lockout like a wrong password."""
    device = totp_device_confirmed(user=user)
    if device is None:
        return None
    code = (code or "").strip().replace(" ", "")
    if not code:
        raise SignInRefused("otp_required", OTP_REQUIRED)
    # verify_token locks the device row, so one code cannot be spent twice by concurrent requests.
    verified = django_otp.verify_token(user, device.persistent_id, code)
    if verified is None:
        _login_failed_signal(username=user.get_username(), request=request)
        raise SignInRefused("otp_invalid", OTP_INVALID)
    return verified


def api_token_obtain(
    *, username: str, password: str, otp: str = "", request, enrolment_required: Callable[..., bool]
) -> tuple[AuthToken, str]:
    """A new API token (its row, and the token itself) for a username, a password and, for a user
    with a TOTP device, a one-time code. `enrolment_required(user)` says whether a user without a
    device must enrol one first (it knows their roles). Raises SignInRefused: `invalid_credentials`,
    `otp_required`, `otp_invalid` (HTTP 400), `otp_enrolment_required` (HTTP 403) or `locked_out`
    (HTTP 429, from django-axes, after AXES_FAILURE_LIMIT failures).

    Signals a login, so the LOGIN (or LOGIN_FAILED) event is written as for the admin. Deliberately
    not one transaction: a refusal must not roll back its LOGIN_FAILED event or its counted failure."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        if _locked_out(request):
            raise _locked_out_error(request)
        raise SignInRefused("invalid_credentials", _("Unable to sign in with this username and password."))
    try:
        device = two_factor_check(user=user, code=otp, request=request)
    except SignInRefused:
        if _locked_out(request):
            raise _locked_out_error(request) from None
        raise
    if device is None and enrolment_required(user):
        # The password was right: not a failed sign-in, but no token until a second factor exists.
        raise SignInRefused("otp_enrolment_required", OTP_ENROLMENT_REQUIRED, http_status=403)
    with transaction.atomic():
        issued = api_token_issue(user=user, actor=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
    return issued


def api_token_ttl() -> timedelta:
    return timedelta(days=settings.SEVA_API_TOKEN_TTL_DAYS)


@transaction.atomic
def api_token_issue(*, user, actor) -> tuple[AuthToken, str]:
    """A new API token for `user`: its stored row and the token itself, which exists only in this
    return value (the database keeps a digest). Writes TOKEN_ISSUED; the user's expired tokens go."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    token, key = AuthToken.objects.create(user=user, expiry=api_token_ttl())
    api_token_issued.send(sender=AuthToken, user=user, actor=actor, token=token)
    return token, key


def _tokens_revoke(*, user, tokens: list[AuthToken], actor, reason: str) -> int:
    if not tokens:
        return 0
    AuthToken.objects.filter(digest__in=[token.digest for token in tokens]).delete()
    api_tokens_revoked.send(sender=AuthToken, user=user, actor=actor, tokens=tokens, reason=reason)
    return len(tokens)


@transaction.atomic
def api_token_revoke(*, token: AuthToken, actor) -> None:
    """Revoke one token: by its owner (the token a request came with) or by a ministry admin."""
    if actor.pk != token.user_id and not actor.is_superuser:
        raise PermissionDenied("Only the token's owner or a ministry admin may revoke it.")
    _tokens_revoke(user=token.user, tokens=[token], actor=actor, reason="revoked")


def _user_tokens_revoke(*, user, actor, reason: str) -> int:
    tokens = list(AuthToken.objects.select_for_update().filter(user=user))
    return _tokens_revoke(user=user, tokens=tokens, actor=actor, reason=reason)


@transaction.atomic
def api_tokens_revoke_all(*, user, actor) -> int:
    """Revoke every API token of `user` (asked by them or by a ministry admin); how many there were."""
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied("Only the user or a ministry admin may revoke their tokens.")
    return _user_tokens_revoke(user=user, actor=actor, reason="revoked")


@transaction.atomic
def user_password_change(*, user, password: str | None, actor) -> None:
    """Set `user`'s password (None: no password sign-in at all), revoke their API tokens and write
    PASSWORD_CHANGED. Their sessions end with it (Django's session hash derives from the password);
    the caller keeps its own with update_session_auth_hash. The password is validated by the form."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    # Whoever may set the password (the user, an admin of theirs) thereby revokes the tokens.
    revoked = _user_tokens_revoke(user=user, actor=actor, reason="password_changed")
    password_changed.send(sender=user.__class__, user=user, actor=actor, tokens_revoked=revoked)


@transaction.atomic
def totp_device_start(*, user) -> TOTPDevice:
    """The device a user is enrolling, made once and shown until confirmed (reloading the page must
    not change the secret the user has just scanned)."""
    # The user's row is the lock: two tabs opening the page at once make one device, not two.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    device = totp_device_pending(user=user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(_("Authenticator app")), confirmed=False)
    return device


def totp_device_confirm(*, user, code: str) -> TOTPDevice:
    """Turn two-factor sign-in on: the first code from the app proves it holds the secret.

    Raises SignInRefused `two_factor_on` (already enrolled), `otp_required` or `otp_invalid`."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        raise SignInRefused("otp_required", OTP_REQUIRED)
    with transaction.atomic():
        if totp_device_confirmed(user=user) is not None:
            raise SignInRefused("two_factor_on", _("Two-factor sign-in is already on for your account."))
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        verified = device is not None and device.verify_token(code)
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            two_factor_enrolled.send(sender=TOTPDevice, user=user, actor=user, device=device)
            # Tokens obtained with the password alone would outlive the new second factor.
            _user_tokens_revoke(user=user, actor=user, reason="two_factor_enrolled")
    # Raised after the block commits, so a wrong code still counts towards django-otp's own throttle.
    if not verified:
        raise SignInRefused("otp_invalid", OTP_INVALID)
    return device


def user_language_save(*, user, language: str) -> bool:
    """Remember the language a staff member chose, so their next sign-in opens in it. False when the
    language is not one Seva Desk speaks."""
    if language not in dict(settings.LANGUAGES):
        return False
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return True


def user_digest_preference_save(*, user, receives_daily_digest: bool) -> bool:
    """Whether `user` gets the daily digest by mail: their own choice, made in the workspace's settings
    (an admin sets it in the admin's user page). True when it changed."""
    if user.receives_daily_digest == receives_daily_digest:
        return False
    user.receives_daily_digest = receives_daily_digest
    user.save(update_fields=["receives_daily_digest"])
    return True
