"""Session timeouts: a signed-in session ends SESSION_COOKIE_AGE after its last request (idle) and
SESSION_ABSOLUTE_TIMEOUT after its sign-in, however busy it is.

Two times in the session, set at sign-in (Django's `user_logged_in`, every door): when it signed in
and when it was last seen. "Last seen" is written at most once a minute, not on every request, so
a busy page costs no session write; each write also moves the session's expiry (its cookie and its
row) on to a whole idle period from then."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT_KEY = "seva_signed_in_at"
SEEN_AT_KEY = "seva_seen_at"
# How stale "last seen" may get before a request writes it again (the idle timeout's precision).
SEEN_WRITE_INTERVAL = 60


def _now() -> float:
    return timezone.now().timestamp()


def session_signed_in(sender, request=None, **kwargs) -> None:
    """`user_logged_in` receiver: a sign-in starts both clocks. Only for a session that login() put
    the user in: the token API announces sign-ins too, and must not leave a session behind."""
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_KEY):
        session[SIGNED_IN_AT_KEY] = session[SEEN_AT_KEY] = _now()


def session_expired(*, session) -> bool:
    now = _now()
    signed_in_at = session.get(SIGNED_IN_AT_KEY, now)
    seen_at = session.get(SEEN_AT_KEY, now)
    return (
        now - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
        or now - seen_at > settings.SESSION_COOKIE_AGE
    )


class SessionTimeoutMiddleware:
    """Put after SessionMiddleware and before AuthenticationMiddleware: an expired session is emptied
    before anyone reads its user, so the request goes on signed out (and the pages send it to sign in)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.get(SESSION_KEY):
            if session_expired(session=session):
                session.flush()
            else:
                now = _now()
                # A session from before these clocks starts them now.
                session.setdefault(SIGNED_IN_AT_KEY, now)
                if now - session.get(SEEN_AT_KEY, 0) >= SEEN_WRITE_INTERVAL:
                    session[SEEN_AT_KEY] = now
        return self.get_response(request)
