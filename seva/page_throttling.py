"""DRF's per-address throttles (seva.api.throttling) in front of HTML pages: over the rate, a page
in the visitor's language with HTTP 429 and Retry-After."""

import math
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

from seva.api.throttling import SignInRateThrottle


def throttled_page(
    request: HttpRequest, *, throttle_class: type[SimpleRateThrottle], template: str
) -> HttpResponse | None:
    """The 429 page when `request` is over `throttle_class`'s rate (and counts it otherwise); else None."""
    throttle = throttle_class()
    if throttle.allow_request(request, None):
        return None
    wait = max(1, math.ceil(throttle.wait() or 1))
    response = render(request, template, {"minutes": max(1, math.ceil(wait / 60))}, status=429)
    response["Retry-After"] = str(wait)
    return response


def page_throttle(throttle_class: type[SimpleRateThrottle], *, template: str) -> Callable:
    """A view decorator: `throttled_page` before the view."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            refused = throttled_page(request, throttle_class=throttle_class, template=template)
            return refused if refused is not None else view(request, *args, **kwargs)

        return wrapper

    return decorator


class SignInThrottleMiddleware:
    """Counts sign-in attempts (POSTs) at the login pages named in SIGN_IN_VIEWS per client address,
    before the view: over SEVA_SIGN_IN_RATE the attempt is refused with a 429 page, so guessing
    neither reaches the password check nor the audit chain. A middleware, so the admin's own login
    is covered without touching the admin site."""

    SIGN_IN_VIEWS = frozenset({"admin:login", "workspace:login"})
    template = "accounts/sign_in_throttled.html"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in self.SIGN_IN_VIEWS:
            return None
        return throttled_page(request, throttle_class=SignInRateThrottle, template=self.template)
