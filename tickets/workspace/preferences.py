"""The staff member's own settings page (/desk/settings/): whether the daily digest comes to them."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.services import user_digest_preference_save
from tickets.digest.selectors import digest_is_for
from tickets.workspace.http import staff_login_required


class DigestPreferenceForm(forms.Form):
    receives_daily_digest = forms.BooleanField(
        label=gettext_lazy("Send me the daily digest by mail"),
        required=False,
    )


@staff_login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = DigestPreferenceForm(
        request.POST if request.method == "POST" else None,
        initial={"receives_daily_digest": user.receives_daily_digest},
    )
    digest_for_user = digest_is_for(user=user)
    if request.method == "POST" and digest_for_user and form.is_valid():
        user_digest_preference_save(user=user, receives_daily_digest=form.cleaned_data["receives_daily_digest"])
        if user.receives_daily_digest:
            messages.success(request, _("The daily digest will come to you each morning."))
        else:
            messages.success(request, _("The daily digest will no longer come to you."))
        return redirect("workspace:settings")
    context = {"nav": "settings", "form": form, "digest_for_user": digest_for_user}
    return render(
        request, "workspace/settings.html", context, status=200 if request.method == "GET" or digest_for_user else 403
    )
