"""The ticket actions of the workspace: each a POST that calls its service and redraws the page.

With htmx, success redraws the ticket's workspace (header, thread, forms, timeline) and a service's
refusal redraws only the form, with the message in it; without JavaScript, success redirects back
to the ticket and a refusal shows the whole page with the form's error. The HTTP status is the
service's (400 bad input, 403 not allowed, 409 wrong state); a ticket the user cannot see is a 404.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from seva.errors import AppError
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.services import (
    ticket_assign,
    ticket_claim,
    ticket_merge,
    ticket_note,
    ticket_reply,
    ticket_transfer,
    ticket_transition,
    ticket_triage_change,
)
from tickets.workspace.forms import form_add_service_error
from tickets.workspace.http import is_htmx, staff_login_required
from tickets.workspace.presenters import reply_length_context
from tickets.workspace.selectors import staff_roles, ticket_for_action, ticket_page_get
from tickets.workspace.ticket_page import build_action_form, ticket_page_context

# What each action does with the form's cleaned data, and what the user is told when it worked.
Perform = Callable[[object, str, dict], object]


def _claim(actor, number: str, data: dict) -> None:
    ticket_claim(actor=actor, number=number)


def _assign(actor, number: str, data: dict) -> None:
    ticket_assign(actor=actor, number=number, assignee=data["user"])


def _transition(actor, number: str, data: dict) -> None:
    ticket_transition(actor=actor, number=number, to=data["to"], note=data["note"])


def _reply(actor, number: str, data: dict) -> None:
    ticket_reply(actor=actor, number=number, text=data["text"])


def _note(actor, number: str, data: dict) -> None:
    ticket_note(actor=actor, number=number, text=data["text"])


def _transfer(actor, number: str, data: dict) -> None:
    ticket_transfer(actor=actor, number=number, department_code=data["department"], reason=data["reason"])


def _merge(actor, number: str, data: dict) -> None:
    ticket_merge(actor=actor, number=number, into_number=data["into"])


def _triage(actor, number: str, data: dict) -> None:
    ticket_triage_change(
        actor=actor, ticket=number, priority=data["priority"], category=data["category"], reason=data["reason"]
    )


ACTIONS: dict[str, Perform] = {
    "claim": _claim,
    "assign": _assign,
    "transition": _transition,
    "reply": _reply,
    "note": _note,
    "transfer": _transfer,
    "merge": _merge,
    "triage": _triage,
}


def _success_message(name: str, data: dict) -> str:
    if name == "transition":
        return _("Status changed to %(status)s.") % {"status": Status(data["to"]).label}
    return {
        "claim": _("The ticket is yours now."),
        "assign": _("Ticket assigned."),
        "reply": _("Reply queued for posting on X."),
        "note": _("Note added."),
        "transfer": _("Ticket transferred."),
        "merge": _("Ticket merged as a duplicate."),
        "triage": _("Priority and category changed."),
    }[name]


@require_POST
@staff_login_required
def ticket_action(request: HttpRequest, number: str, name: str) -> HttpResponse:
    if name not in ACTIONS:
        raise Http404
    try:
        ticket = ticket_for_action(user=request.user, number=number)
    except Ticket.DoesNotExist as exc:
        raise Http404 from exc
    roles = staff_roles(user=request.user)
    form = build_action_form(name, ticket=ticket, user=request.user, roles=roles, data=request.POST)
    status = 400
    if form.is_valid():
        try:
            ACTIONS[name](request.user, number, form.cleaned_data)
        except AppError as error:
            if error.http_status == 404:
                raise Http404 from error
            form_add_service_error(form, error)
            status = error.http_status
        else:
            messages.success(request, _success_message(name, form.cleaned_data))
            return _after_success(request, number)
    if is_htmx(request):
        response = render(
            request,
            f"workspace/ticket/_action_{name}.html",
            {
                "ticket": ticket,
                "form": form,
                "standalone": True,
                "oob_flash": True,
                "reply_length": reply_length_context(request.POST.get("text", "")),
            },
            status=status,
        )
        response["HX-Retarget"] = f"#action-{name}"
        response["HX-Reswap"] = "outerHTML"
        return response
    if status == 403:
        # A refused user (an auditor) has no forms on the page to show the refusal in.
        for error in form.non_field_errors():
            messages.error(request, error)
    page = ticket_page_get(user=request.user, number=number)
    context = ticket_page_context(request, page, bound={name: form})
    return render(request, "workspace/ticket.html", context, status=status)


def _after_success(request: HttpRequest, number: str) -> HttpResponse:
    """The redrawn ticket; the queue instead when the action took the ticket out of the user's sight
    (a transfer to a department they do not see)."""
    try:
        page = ticket_page_get(user=request.user, number=number)
    except Ticket.DoesNotExist:
        queue_url = reverse("workspace:queue")
        if not is_htmx(request):
            return redirect(queue_url)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = queue_url
        return response
    if not is_htmx(request):
        return redirect("workspace:ticket", number=number)
    context = ticket_page_context(request, page) | {"oob_flash": True}
    return render(request, "workspace/ticket/_workspace.html", context)
