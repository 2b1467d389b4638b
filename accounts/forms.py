"""The one-time code, as a field of the sign-in forms and of the enrolment page; the password
forms, which save through accounts.services.user_password_change."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django import forms
from django.contrib.auth.forms import AdminPasswordChangeForm, AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.services import SignInRefused, two_factor_check, user_password_change


def one_time_code_field(*, required: bool, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=_("One-time code"),
        # Six digits; room for the spaces some apps show and people type.
        max_length=10,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 10}),
    )


class TwoFactorLoginFormMixin(forms.Form):
    """Put first in the bases of an AuthenticationForm: adds `code`, which a user with a TOTP device
    must fill in; others leave it empty. A wrong code is a failed sign-in (audited, counted by the
    lockout), and a right one marks the new session as verified."""

    code = one_time_code_field(
        required=False, help_text=_("From your authenticator app, if two-factor sign-in is on for your account.")
    )

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        if user is None:
            return cleaned_data
        try:
            device = two_factor_check(user=user, code=cleaned_data.get("code", ""), request=self.request)
        except SignInRefused as refused:
            self.add_error("code", ValidationError(refused.message, code=refused.code))
            return cleaned_data
        if device is not None:
            # django-otp's user_logged_in receiver records it in the session, once the login happens.
            user.otp_device = device
        return cleaned_data


class TotpConfirmForm(forms.Form):
    code = one_time_code_field(required=True, help_text=_("The six digits your app shows now."))


class StaffAuthenticationForm(TwoFactorLoginFormMixin, AuthenticationForm):
    """Django's sign-in form with the one-time code, for a staff door (`LoginView(authentication_form=...)`).
    Its template must show `form.code`."""


class StaffPasswordChangeForm(PasswordChangeForm):
    """Django's own-password form (old password, new one twice, validators), saved by the service:
    the user's API tokens are revoked and PASSWORD_CHANGED is written."""

    def save(self, commit: bool = True):
        user_password_change(user=self.user, password=self.cleaned_data["new_password1"], actor=self.user)
        return self.user


# Who is setting a password in the admin: its password form is built without the request.
_password_actor: ContextVar = ContextVar("seva_password_actor", default=None)


@contextmanager
def password_set_by(actor) -> Iterator[None]:
    token = _password_actor.set(actor)
    try:
        yield
    finally:
        _password_actor.reset(token)


class AdminPasswordSetForm(AdminPasswordChangeForm):
    """The admin's "set password" form, saved by the service with the admin as the actor (inside
    `password_set_by(request.user)`): the user's tokens are revoked and PASSWORD_CHANGED is written."""

    def save(self, commit: bool = True):
        password = self.cleaned_data["password1"] if self.cleaned_data.get("set_usable_password", True) else None
        user_password_change(user=self.user, password=password, actor=_password_actor.get())
        return self.user
