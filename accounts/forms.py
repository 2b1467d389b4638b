"""The one-time code, as a field of the sign-in forms and of the enrolment page."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.services import SignInRefused, two_factor_check


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
