"""The workspace's incidents: the list, one incident with its tickets and the supervisors' forms
(add, remove, note, merge, resolve), and the queue's "put into incident" for selected tickets.
Thin: reads through the selectors, writes through tickets.services.incidents, errors shown once."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from departments.models import SUPERVISING_ROLES
from seva.errors import AppError
from tickets.models import IncidentStatus
from tickets.selectors import incident_get, incident_list, ticket_list
from tickets.services.incidents import (
    incident_merge,
    incident_note_set,
    incident_open,
    incident_resolve,
    incident_scope_id,
    incident_tickets_add,
    incident_tickets_remove,
)
from tickets.workspace.http import id_param, staff_login_required
from tickets.workspace.selectors import staff_roles

INCIDENTS_SHOWN = 100
TICKETS_SHOWN = 200


def _numbers(request: HttpRequest) -> list[str]:
    """Ticket numbers from checkboxes (`tickets` on the incident page, `ticket` in the queue's bulk
    form) and a typed list (`numbers`, comma or space separated)."""
    typed = request.POST.get("numbers", "").replace(",", " ").split()
    checked = [*request.POST.getlist("tickets"), *request.POST.getlist("ticket")]
    return list(dict.fromkeys([*checked, *typed]))


@require_safe
@staff_login_required
def incidents(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", IncidentStatus.OPEN)
    rows = incident_list(user=request.user)
    if status in IncidentStatus.values:
        rows = rows.filter(status=status)
    context = {
        "nav": "incidents",
        "incidents": list(rows[:INCIDENTS_SHOWN]),
        "statuses": IncidentStatus.choices,
        "chosen_status": status,
    }
    return render(request, "workspace/incidents.html", context)


def _incident_page(request: HttpRequest, incident_id: int, *, status: int = 200) -> HttpResponse:
    incident = incident_get(user=request.user, incident_id=incident_id)
    if incident is None:
        raise Http404
    tickets = list(ticket_list(user=request.user).filter(incident=incident).order_by("-id")[:TICKETS_SHOWN])
    roles = staff_roles(user=request.user)
    can_supervise = roles.holds(incident_scope_id(incident), SUPERVISING_ROLES)
    merge_targets = []
    if can_supervise and incident.status == IncidentStatus.OPEN:
        merge_targets = list(
            incident_list(user=request.user)
            .filter(status=IncidentStatus.OPEN, department_id=incident.department_id)
            .exclude(pk=incident.pk)[:50]
        )
    context = {
        "nav": "incidents",
        "incident": incident,
        "tickets": tickets,
        "more_tickets": incident.tickets_count > len(tickets),
        "can_supervise": can_supervise,
        "is_open": incident.status == IncidentStatus.OPEN,
        "merge_targets": merge_targets,
    }
    return render(request, "workspace/incident.html", context, status=status)


@require_safe
@staff_login_required
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _incident_page(request, incident_id)


@require_POST
@staff_login_required
def incident_action(request: HttpRequest, incident_id: int, name: str) -> HttpResponse:
    """One supervisor's form on the incident page; its error, if any, is shown on that page."""
    actor, post = request.user, request.POST
    actions = {
        "add": (lambda: incident_tickets_add(actor=actor, incident=incident_id, ticket_ids=_numbers(request)),
                _("Tickets added to the incident.")),
        "remove": (lambda: incident_tickets_remove(actor=actor, incident=incident_id, ticket_ids=_numbers(request)),
                   _("Tickets taken out of the incident.")),
        "note": (lambda: incident_note_set(actor=actor, incident=incident_id, note=post.get("note", "")),
                 _("Public note saved.")),
        "merge": (lambda: incident_merge(actor=actor, incident=incident_id, into=id_param(post.get("into")) or 0),
                  _("Incidents merged.")),
        "resolve": (lambda: incident_resolve(actor=actor, incident=incident_id, note=post.get("note", "")),
                    _("Incident resolved; each citizen will be told.")),
    }  # fmt: skip
    if name not in actions:
        raise Http404
    action, done = actions[name]
    try:
        result = action()
    except AppError as error:
        if error.http_status == 404:
            raise Http404 from error
        messages.error(request, str(error.message))
        return _incident_page(request, incident_id, status=error.http_status)
    messages.success(request, done)
    target = result.pk if name == "merge" else incident_id
    return redirect("workspace:incident", incident_id=target)


@require_POST
@staff_login_required
def incident_bulk(request: HttpRequest) -> HttpResponse:
    """From the queue: the selected tickets into an open incident (`incident`), or into a new one
    (`title`, opened for the first ticket's department and unit)."""
    numbers = _numbers(request)
    incident_id = id_param(request.POST.get("incident"))
    try:
        if incident_id is not None:
            incident_tickets_add(actor=request.user, incident=incident_id, ticket_ids=numbers)
        else:
            first = (
                ticket_list(user=request.user)
                .filter(number__in=numbers[:1])
                .select_related("department", "unit")
                .first()
            )
            if first is None:
                messages.error(request, _("Choose at least one ticket."))
                return redirect("workspace:queue")
            incident_id = incident_open(
                actor=request.user,
                department=first.department,
                unit=first.unit,
                title=request.POST.get("title", ""),
                ticket_ids=numbers,
            ).pk
    except AppError as error:
        messages.error(request, str(error.message))
        return redirect("workspace:queue")
    messages.success(request, _("Tickets put into the incident."))
    return redirect("workspace:incident", incident_id=incident_id)
