"""What a signed-in session has done about the second factor.

Two facts per session: django-otp's verified device (set when the one-time code was given at
sign-in or at enrolment), and our mark that the user must enrol before going on (set at sign-in
for a user whose role requires two-factor sign-in and who has no device yet)."""

import django_otp

from accounts.selectors import user_has_two_factor

ENROLMENT_DUE_SESSION_KEY = "seva_two_factor_enrolment_due"


def two_factor_enrolment_due_mark(*, request) -> None:
    request.session[ENROLMENT_DUE_SESSION_KEY] = True


def two_factor_enrolment_due(*, request) -> bool:
    """Whether this session must enrol a device before it may use what requires the second factor."""
    return bool(request.session.get(ENROLMENT_DUE_SESSION_KEY)) and not user_has_two_factor(user=request.user)


def two_factor_session_verify(*, request, device) -> None:
    """Remember in the session that its user proved `device` (and so need not enrol)."""
    django_otp.login(request, device)
    request.session.pop(ENROLMENT_DUE_SESSION_KEY, None)


def two_factor_session_satisfied(*, request) -> bool:
    """False when the user has a device that this session did not use, or still has to enrol one."""
    user = request.user
    if user_has_two_factor(user=user):
        return getattr(user, "otp_device", None) is not None
    return not request.session.get(ENROLMENT_DUE_SESSION_KEY)
