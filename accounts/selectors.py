"""Reads about signing in: a user's second factor, and whether their roles demand one."""

from collections.abc import Collection

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

# In SEVA_2FA_REQUIRED_ROLES, beside role names: ministry admins, who hold `is_superuser`.
SUPERUSER = "superuser"


def totp_device_confirmed(*, user) -> TOTPDevice | None:
    """The TOTP device a user signs in with, if they have enrolled one."""
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def totp_device_pending(*, user) -> TOTPDevice | None:
    """The device a user is enrolling: created, shown to them, not yet confirmed with a code."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()


def user_has_two_factor(*, user) -> bool:
    return user.is_authenticated and TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def two_factor_required(*, user, roles: Collection[str]) -> bool:
    """Whether `user` must have a second factor, per SEVA_2FA_REQUIRED_ROLES.

    The caller names the roles the user holds (departments knows them; accounts may not import it)."""
    required = set(settings.SEVA_2FA_REQUIRED_ROLES)
    if user.is_superuser and SUPERUSER in required:
        return True
    return not required.isdisjoint(roles)
