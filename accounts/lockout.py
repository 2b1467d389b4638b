"""How long a lockout lasts, and the page a locked-out browser gets (django-axes counts the failures)."""

from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render


def lockout_cool_off(*, request) -> timedelta:
    # Each attempt made while locked out is counted too (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT),
    # so the lockout ends one whole cool-off after the latest attempt.
    return get_cool_off(request) or timedelta(0)


def lockout_minutes(*, request) -> int:
    return max(1, round(lockout_cool_off(request=request).total_seconds() / 60))


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a page in the user's language, HTTP 429, with Retry-After."""
    context = {"minutes": lockout_minutes(request=request), "failure_limit": settings.AXES_FAILURE_LIMIT}
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(lockout_cool_off(request=request).total_seconds()))
    return response
