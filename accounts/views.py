"""Staff pages of accounts: turning on two-factor sign-in, the one-time code step of a session that
has not given it, and changing one's own password."""

from base64 import b32encode
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordChangeDoneView, PasswordChangeView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language

from accounts.forms import StaffAuthenticationForm, StaffPasswordChangeForm, TotpConfirmForm
from accounts.lockout import lockout_response
from accounts.qr import qr_code_svg
from accounts.selectors import totp_device_confirmed
from accounts.services import (
    SignInRefused,
    totp_device_confirm,
    totp_device_start,
    two_factor_check,
    user_language_save,
)
from accounts.sessions import two_factor_session_verify


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(candidate, {request.get_host()}, require_https=request.is_secure())
    return candidate if allowed else ""


def _grouped(secret: str) -> str:
    # For typing the key in by hand: "ABCD EFGH ...", as authenticator apps show it.
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


@never_cache  # the page carries the secret: no browser or proxy may keep a copy
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if totp_device_confirmed(user=request.user) is not None:
        return render(request, "accounts/two_factor.html", {"enrolled": True, "next": next_url})

    device = totp_device_start(user=request.user)
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = totp_device_confirm(user=request.user, code=form.cleaned_data["code"])
        except SignInRefused as refused:
            form.add_error("code", refused.message)
        else:
            two_factor_session_verify(request=request, device=device)
            messages.success(request, _("Two-factor sign-in is on. From now on, sign in with a one-time code too."))
            return redirect(next_url or reverse("accounts:two-factor"))

    otpauth_uri = device.config_url
    context = {
        "enrolled": False,
        "form": form,
        "next": next_url,
        "otpauth_uri": otpauth_uri,
        # Drawn here from our own data; the SVG writer escapes it. No external image, no script.
        "qr_svg": mark_safe(qr_code_svg(data=otpauth_uri)),  # noqa: S308 - our own SVG  # nosec B308, B703
        "secret": _grouped(b32encode(device.bin_key).decode()),
    }
    return render(request, "accounts/two_factor.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The one-time code of a signed-in session that has not given it (it signed in at a door that
    did not ask, or before the user enrolled): until it does, it reaches nothing else."""
    next_url = _next_url(request) or resolve_url(settings.LOGIN_REDIRECT_URL)
    user = request.user
    if user.is_verified():
        return redirect(next_url)
    if totp_device_confirmed(user=user) is None:
        return redirect(f"{reverse('accounts:two-factor')}?{urlencode({'next': next_url})}")
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials=credentials):
        # Wrong codes count like wrong passwords: a locked-out pair is signed out.
        logout(request)
        return lockout_response(request, credentials=credentials)
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor_check(user=user, code=form.cleaned_data["code"], request=request)
        except SignInRefused as refused:
            form.add_error("code", refused.message)
        else:
            two_factor_session_verify(request=request, device=device)
            return redirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


class StaffPasswordChangeView(PasswordChangeView):
    """Django's own-password change, saved by accounts.services.user_password_change. Django then
    keeps this session (update_session_auth_hash); the user's other sessions are signed out."""

    form_class = StaffPasswordChangeForm
    template_name = "workspace/password_change.html"


class StaffPasswordChangeDoneView(PasswordChangeDoneView):
    template_name = "workspace/password_change_done.html"


@require_http_methods(["POST"])
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers a signed-in staff member's choice."""
    if request.user.is_authenticated:
        user_language_save(user=request.user, language=request.POST.get("language", ""))
    return set_language(request)


class StaffLoginView(LoginView):
    """Sign-in with the one-time code; the page then speaks the language last chosen: the one picked
    on the sign-in page if any (and remembered), else the one saved with the account."""

    authentication_form = StaffAuthenticationForm

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        chosen = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and user_language_save(user=user, language=chosen):
            return response
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.preferred_language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response
