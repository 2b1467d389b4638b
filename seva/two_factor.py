"""Two-factor sign-in, enforced at every door that keeps a session: the workspace, the admin, and
the API when it is used with the session (the workspace's report downloads).

A signed-in session whose user must give a one-time code (they have a confirmed device, or a role
in SEVA_2FA_REQUIRED_ROLES demands one) and whose session has not given it (django-otp's
`is_verified()`) reaches only the step it owes: the code step for a user with a device, enrolment
for one without; besides these, only signing out, the sign-in pages, the language switch and static
files. The token API checks the same rule itself (accounts.services.api_token_obtain).

Here, not in accounts, because the rule needs the user's roles, which departments knows.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.selectors import SUPERUSER, two_factor_required, user_has_two_factor
from departments.models import Membership
from departments.selectors import user_role_names

VERIFY = "verify"
ENROL = "enrol"

# The URL names a session may reach while it owes a step.
OPEN_WHILE_DUE = frozenset(
    {
        "accounts:two-factor",
        "accounts:two-factor-verify",
        "accounts:logout",
        "workspace:logout",
        "workspace:login",
        "admin:login",
        "set_language",
        # The token exchange ignores the session and checks the second factor itself.
        "auth-token",
    }
)


def two_factor_enrolment_required(user) -> bool:
    """Whether a user without a device must enrol one before they may work (their roles say so)."""
    return two_factor_required(user=user, roles=user_role_names(user=user))


def _session_verified(user) -> bool:
    # django-otp's middleware gives request.user `is_verified`; a user signed in during this very
    # request (by a form that checked the code) carries only `otp_device`.
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None:
        return is_verified()
    return getattr(user, "otp_device", None) is not None


def two_factor_step_due(*, request: HttpRequest) -> str | None:
    """VERIFY or ENROL when this session must give its one-time code or enrol a device first; else None."""
    user = request.user
    if not user.is_authenticated:
        return None
    if _session_verified(user):
        return None
    has_device, roles_require = _second_factor_facts(user)
    if has_device:
        return VERIFY
    if roles_require:
        return ENROL
    return None


def _second_factor_facts(user) -> tuple[bool, bool]:
    """(has a confirmed device, a role demands one): one query, as this runs on every request of a
    session that has not given a code (staff for whom no role requires it, mostly)."""
    required = set(settings.SEVA_2FA_REQUIRED_ROLES)
    if user.is_superuser and SUPERUSER in required:
        return user_has_two_factor(user=user), True
    devices = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    roles = Membership.objects.filter(user_id=OuterRef("pk"), department__is_active=True, role__in=required)
    facts = get_user_model().objects.filter(pk=user.pk).values_list(Exists(devices), Exists(roles)).first()
    return (bool(facts[0]), bool(facts[1])) if facts else (False, False)


def two_factor_step_url(*, step: str, next_url: str) -> str:
    name = "accounts:two-factor-verify" if step == VERIFY else "accounts:two-factor"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _refusal(request: HttpRequest, step: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        # The API's error shape (seva.api.errors), as the token exchange answers it.
        code, message = (
            ("otp_required", _("This session has not given its one-time code."))
            if step == VERIFY
            else ("otp_enrolment_required", _("Your role requires two-factor sign-in; set it up first."))
        )
        return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=403)
    next_url = request.get_full_path() if request.method in ("GET", "HEAD") else ""
    url = two_factor_step_url(step=step, next_url=next_url)
    if request.headers.get("HX-Request") == "true":
        # An htmx fragment request: the whole page goes to the step.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware (which says whether the session is verified)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_WHILE_DUE:
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        step = two_factor_step_due(request=request)
        return _refusal(request, step) if step is not None else None
