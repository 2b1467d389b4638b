"""What a signed-in session has done about the second factor: django-otp's verified device, set
when the one-time code was given (at sign-in, at the code step or at enrolment). Whether a session
owes it is seva.two_factor's rule."""

import django_otp


def two_factor_session_verify(*, request, device) -> None:
    """Remember in the session that its user proved `device`."""
    django_otp.login(request, device)
