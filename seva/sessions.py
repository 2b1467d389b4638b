"""The absolute session timeout: a signed-in session ends SESSION_ABSOLUTE_TIMEOUT after its sign-in,
however busy it is (the idle timeout is Django's own: SESSION_COOKIE_AGE, moved on by every request)."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT_KEY = "seva_signed_in_at"


class AbsoluteSessionTimeoutMiddleware:
    """Put after SessionMiddleware and before AuthenticationMiddleware: an expired session is emptied
    before anyone reads its user, so the request goes on signed out (and sign-in pages send it back).

    The sign-in time is noted on the response of the request that signed in: Django's login() gives
    the session a new key, so a new key with a user in it is a new sign-in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        signed_in_at = session.get(SIGNED_IN_AT_KEY)
        if session.get(SESSION_KEY) and signed_in_at is not None:
            age = timezone.now().timestamp() - signed_in_at
            if age > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
                session.flush()
        key_before = session.session_key
        response = self.get_response(request)
        session = request.session
        if session.get(SESSION_KEY) and (session.get(SIGNED_IN_AT_KEY) is None or session.session_key != key_before):
            session[SIGNED_IN_AT_KEY] = timezone.now().timestamp()
        return response
