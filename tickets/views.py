"""HTML pages. The public status page: anyone with a ticket number sees its status, and nothing personal."""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from seva.api.throttling import StatusPageRateThrottle
from seva.page_throttling import page_throttle
from tickets.models import Ticket
from tickets.numbering import ticket_number_is_valid, ticket_number_normalised
from tickets.selectors import ticket_public_status


class TicketLookupForm(forms.Form):
    number = forms.CharField(
        label=_("Ticket number"),
        max_length=40,
        help_text=_("As in the reply you got on X, for example BSNL-2611-000123."),
        error_messages={"required": _("Enter your ticket number.")},
    )

    def clean_number(self) -> str:
        number = ticket_number_normalised(self.cleaned_data["number"])
        if not ticket_number_is_valid(number):
            raise forms.ValidationError(
                _("This is not a ticket number. It looks like BSNL-2611-000123."), code="malformed"
            )
        return number


def noindex(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Keep search engines out: ticket numbers are sequential, so every status page is guessable."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


@require_safe
@noindex
def public_status_lookup(request: HttpRequest) -> HttpResponse:
    """`/status/`: a form for a ticket number (sent by GET, so it needs no session); a valid one
    goes to its page."""
    form = TicketLookupForm(request.GET if "number" in request.GET else None)
    if form.is_valid():
        return redirect("public-status", number=form.cleaned_data["number"])
    return render(request, "tickets/public_status_lookup.html", {"form": form})


@require_safe
@noindex
# Ticket numbers are sequential: each address gets the public API's anonymous rate, shared with it.
@page_throttle(StatusPageRateThrottle, template="tickets/public_status_throttled.html")
def public_status(request: HttpRequest, number: str) -> HttpResponse:
    try:
        ticket = ticket_public_status(number=number)
    except Ticket.DoesNotExist:
        context = {"number": number, "form": TicketLookupForm()}
        return render(request, "tickets/public_status_not_found.html", context, status=404)
    if ticket.number != number:
        # One address per ticket: a number typed in lower case lands on the canonical page.
        return redirect("public-status", number=ticket.number)
    return render(request, "tickets/public_status.html", {"ticket": ticket, "form": TicketLookupForm()})
