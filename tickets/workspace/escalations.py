"""The escalation desk: the open escalations of the user's scope, oldest first, a page at a time;
supervisors acknowledge, reassign and comment on each without leaving the desk (with htmx the row is
redrawn, with the refusal in it; without, the desk is reloaded). A fixed number of queries per page."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from departments.selectors import officer_duty_list
from seva.errors import AppError
from tickets.models import Escalation
from tickets.services import escalation_acknowledge, ticket_assign, ticket_note
from tickets.workspace.forms import AssignForm, NoteForm, form_add_service_error
from tickets.workspace.http import id_param, is_htmx, staff_login_required
from tickets.workspace.selectors import (
    StaffRoles,
    assignee_choices_by_scope,
    escalation_desk_page,
    escalation_get,
    staff_roles,
)

ESCALATIONS_PAGE_SIZE = 50


def _prefix(escalation: Escalation) -> str:
    return f"e{escalation.pk}"


def _desk_row(escalation: Escalation, *, roles: StaffRoles, choices: dict, bound: dict | None = None) -> dict:
    """What a row shows: the escalation and the forms its user may use (a bound one keeps its errors)."""
    ticket, bound = escalation.ticket, bound or {}
    row = {"escalation": escalation, "can_acknowledge": roles.can_acknowledge(escalation)}
    if roles.can_supervise(ticket):
        assignees = choices.get(ticket.scope_department_id, [])
        row["assign_form"] = bound.get("assign") or AssignForm(assignees=assignees, prefix=_prefix(escalation))
    if roles.can_work(ticket):
        row["note_form"] = bound.get("note") or NoteForm(prefix=_prefix(escalation))
    return row


def _choices_for(escalations: list[Escalation], roles: StaffRoles) -> dict:
    scopes = {e.ticket.scope_department_id for e in escalations if roles.can_supervise(e.ticket)}
    return assignee_choices_by_scope(scope_ids=scopes) if scopes else {}


@require_safe
@staff_login_required
def escalations(request: HttpRequest) -> HttpResponse:
    return _desk(request)


def _desk(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    after_id = id_param(request.GET.get("after"))
    page = escalation_desk_page(user=request.user, after_id=after_id, size=ESCALATIONS_PAGE_SIZE)
    roles = staff_roles(user=request.user)
    choices = _choices_for(page.escalations, roles)
    context = {
        "nav": "escalations",
        "rows": [_desk_row(e, roles=roles, choices=choices) for e in page.escalations],
        "total": page.total,
        "next_after": page.next_after,
        "after": after_id,
        "officers": officer_duty_list(user=request.user) if roles.supervises else None,
    }
    return render(request, "workspace/escalations.html", context, status=status)


def _row_response(
    request: HttpRequest, escalation_id: int, *, status: int, error_message: str | None = None, bound=None
) -> HttpResponse:
    """The row redrawn after an action (htmx), with the refusal in it; 404 when it is not the user's."""
    try:
        escalation = escalation_get(user=request.user, escalation_id=escalation_id)
    except Escalation.DoesNotExist as exc:
        raise Http404 from exc
    roles = staff_roles(user=request.user)
    row = _desk_row(escalation, roles=roles, choices=_choices_for([escalation], roles), bound=bound)
    context = {**row, "error_message": error_message, "oob_flash": True}
    return render(request, "workspace/_escalation_row.html", context, status=status)


def _after_action(request: HttpRequest, escalation_id: int, *, status: int, message: str | None, bound=None):
    """Success or a refusal, as the request came: the row (htmx; a bound form shows its own errors),
    else the desk with the message."""
    if not is_htmx(request):
        if message:
            messages.error(request, message)
        return redirect("workspace:escalations") if status == 200 else _desk(request, status=status)
    error_message = None if bound else message
    return _row_response(request, escalation_id, status=status, error_message=error_message, bound=bound)


def _form_message(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@require_POST
@staff_login_required
def escalation_acknowledge_view(request: HttpRequest, escalation_id: int) -> HttpResponse:
    """Acknowledge one escalation: it leaves the desk (the ticket stays escalated)."""
    error_message, status = None, 200
    try:
        escalation_acknowledge(actor=request.user, escalation_id=escalation_id)
    except AppError as error:
        if error.http_status == 404:
            raise Http404 from error
        error_message, status = str(error.message), error.http_status
    if error_message is None:
        messages.success(request, _("Escalation acknowledged."))
    return _after_action(request, escalation_id, status=status, message=error_message)


def _visible(request: HttpRequest, escalation_id: int) -> Escalation:
    try:
        return escalation_get(user=request.user, escalation_id=escalation_id)
    except Escalation.DoesNotExist as exc:
        raise Http404 from exc


@require_POST
@staff_login_required
def escalation_assign_view(request: HttpRequest, escalation_id: int) -> HttpResponse:
    """Reassign the escalated ticket to an officer of its scope (a supervisor's right, ticket_assign)."""
    escalation = _visible(request, escalation_id)
    roles = staff_roles(user=request.user)
    if not roles.can_supervise(escalation.ticket):
        message = _("Only the ticket's supervisors reassign it.")
        return _after_action(request, escalation_id, status=403, message=message)
    assignees = _choices_for([escalation], roles).get(escalation.ticket.scope_department_id, [])
    form = AssignForm(request.POST, assignees=assignees, prefix=_prefix(escalation))
    status, message = 400, None
    if form.is_valid():
        try:
            ticket_assign(actor=request.user, number=escalation.ticket.number, assignee=int(form.cleaned_data["user"]))
        except AppError as error:
            if error.http_status == 404:
                raise Http404 from error
            form_add_service_error(form, error)
            status = error.http_status
        else:
            messages.success(request, _("Ticket assigned."))
            return _after_action(request, escalation_id, status=200, message=None)
    return _after_action(request, escalation_id, status=status, message=_form_message(form), bound={"assign": form})


@require_POST
@staff_login_required
def escalation_note_view(request: HttpRequest, escalation_id: int) -> HttpResponse:
    """An internal note on the escalated ticket, from the desk (ticket_note)."""
    escalation = _visible(request, escalation_id)
    form = NoteForm(request.POST, prefix=_prefix(escalation))
    status = 400
    if form.is_valid():
        try:
            ticket_note(actor=request.user, number=escalation.ticket.number, text=form.cleaned_data["text"])
        except AppError as error:
            if error.http_status == 404:
                raise Http404 from error
            form_add_service_error(form, error)
            status = error.http_status
        else:
            messages.success(request, _("Note added."))
            return _after_action(request, escalation_id, status=200, message=None)
    return _after_action(request, escalation_id, status=status, message=_form_message(form), bound={"note": form})
