"""The workspace's pages: the queue, a ticket and the duty switch. Thin: each reads
through the selectors and hands presenters' output to a template. The ticket actions are in
actions.py, the escalation desk in escalations.py, the dashboard in dashboard.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from rest_framework.exceptions import ValidationError

from departments.selectors import department_list_visible, user_on_duty
from departments.services import membership_duty_set
from seva.errors import AppError
from tickets.lifecycle import Status
from tickets.models import IncidentStatus, Ticket
from tickets.selectors import (
    UrgencyCursor,
    incident_list,
    queue_urgency_page,
    ticket_list,
)
from tickets.services import (
    ActionForbidden,
    ticket_take_next,
)
from tickets.services.ticket_actions import canned_response_render
from tickets.workspace.forms import ANY_STATUS, QueueFilter, ReplyForm
from tickets.workspace.http import QUEUE_PAGE_SIZE, id_param, is_htmx, staff_login_required
from tickets.workspace.presenters import queue_rows, reply_length_context
from tickets.workspace.selectors import (
    bulk_assignee_choices,
    queue_arrivals,
    queue_incident_rows,
    queue_newest_id,
    queue_page,
    saved_filter_list,
    staff_roles,
    ticket_for_action,
    ticket_page_get,
)
from tickets.workspace.ticket_page import ticket_page_context

# Quick filters of the queue: (label, the query they set).
QUICK_FILTERS = [
    (gettext_lazy("All tickets"), {}),
    (gettext_lazy("My tickets"), {"assigned_to": "me"}),
    (gettext_lazy("Unassigned"), {"unassigned": "true"}),
    (gettext_lazy("Escalated"), {"escalated": "true"}),
    (gettext_lazy("Breached"), {"breached": "true"}),
]
QUICK_FILTER_KEYS = ("assigned_to", "unassigned", "escalated", "breached")


def _quick_filters(request: HttpRequest) -> list[dict]:
    """The quick filters, each marked active when the request's query is exactly what it sets."""
    chosen = {key: request.GET.get(key) for key in QUICK_FILTER_KEYS}
    return [
        {"label": label, "query": query, "active": chosen == {key: query.get(key) for key in QUICK_FILTER_KEYS}}
        for label, query in QUICK_FILTERS
    ]


# Incidents shown as rows on top of the queue's first page, and new tickets added per refresh, at most.
INCIDENT_ROWS_SHOWN = 20
ARRIVALS_SHOWN = 50


def _queue_filter(request: HttpRequest) -> QueueFilter:
    """The queue's filters over the tickets the user can see (open ones unless statuses are chosen)."""
    return QueueFilter(request.GET, queryset=ticket_list(user=request.user), request=request)


def _errors_of(exc: ValidationError) -> list[str]:
    return [str(message) for messages_ in exc.detail.values() for message in messages_]


@require_safe
@staff_login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The open tickets the user can see (or those of the chosen statuses), filtered, most urgent first:
    breached, then by the next due time, then priority; an incident's tickets are one row. Closed
    statuses alone are shown newest first. "Load more" pages by keyset; new arrivals are polled for."""
    queue_filter = _queue_filter(request)
    filter_errors: list[str] = []
    newest_first = queue_filter.shows_closed_only
    before_id = id_param(request.GET.get("before"))
    after = UrgencyCursor.decode(request.GET.get("after"))
    continuing = before_id is not None or after is not None
    incident_rows: list = []
    watch_from = 0
    more_query = None
    try:
        tickets = queue_filter.qs
        singles = tickets.filter(incident__isnull=True)
        if newest_first:
            rows, next_before = queue_page(tickets=singles, before_id=before_id, size=QUEUE_PAGE_SIZE)
            next_param = ("before", str(next_before)) if next_before is not None else None
        else:
            rows, next_after = queue_urgency_page(tickets=singles, after=after, size=QUEUE_PAGE_SIZE)
            next_param = ("after", next_after.encode()) if next_after is not None else None
        if not continuing:
            incident_rows = queue_incident_rows(tickets=tickets, limit=INCIDENT_ROWS_SHOWN)
            watch_from = queue_newest_id()
    except ValidationError as exc:
        rows, next_param = [], None
        filter_errors = _errors_of(exc)
    filter_errors += [str(message) for messages_ in queue_filter.errors.values() for message in messages_]
    if next_param is not None:
        params = request.GET.copy()
        params.pop("before", None)
        params.pop("after", None)
        params[next_param[0]] = next_param[1]
        more_query = params.urlencode()
    now = timezone.now()
    roles = staff_roles(user=request.user)
    context = {
        "rows": queue_rows(rows, now),
        "more_query": more_query,
        "incident_rows": incident_rows,
        "can_bulk": roles.supervises,
        # Supervisors put selected tickets into an incident (tickets.workspace.incidents.incident_bulk).
        "can_group": roles.supervises,
    }
    if is_htmx(request) and continuing:
        return render(request, "workspace/_queue_rows.html", context)
    filters = request.GET.copy()
    for key in ("before", "after"):
        filters.pop(key, None)
    context |= {
        "nav": "queue",
        "quick_filters": _quick_filters(request),
        "filter_errors": filter_errors,
        "departments": department_list_visible(user=request.user),
        "statuses": [(ANY_STATUS, _("Any status")), *Status.choices],
        "chosen_status": request.GET.get("status", ""),
        "chosen_department": request.GET.get("department", ""),
        "search": request.GET.get("search", ""),
        "kept_quick_filter": {key: request.GET[key] for key in QUICK_FILTER_KEYS if key in request.GET},
        "can_take_next": roles.works_tickets,
        "bulk_assignees": bulk_assignee_choices(user=request.user) if roles.supervises else [],
        "saved_filters": saved_filter_list(user=request.user),
        "newest_first": newest_first,
        "poll_query": _poll_query(filters, watch_from) if not filter_errors else None,
        "filter_query": filters.urlencode(),
        "open_incidents": list(incident_list(user=request.user).filter(status=IncidentStatus.OPEN)[:50])
        if roles.supervises
        else [],
    }
    return render(request, "workspace/queue.html", context)


def _poll_query(filters, after_id: int) -> str:
    params = filters.copy()
    params["after_id"] = str(after_id)
    return params.urlencode()


@require_safe
@staff_login_required
def queue_arrivals_view(request: HttpRequest) -> HttpResponse:
    """What arrived in the queue, as filtered, since ticket `after_id`: their rows for the top of the
    table and the poller again with the new cursor; 204 when nothing did. A fixed number of queries."""
    after_id = id_param(request.GET.get("after_id"))
    if after_id is None and request.GET.get("after_id") != "0":
        return HttpResponse(status=400)
    queue_filter = _queue_filter(request)
    try:
        arrivals = queue_arrivals(tickets=queue_filter.qs, after_id=after_id or 0, limit=ARRIVALS_SHOWN)
    except ValidationError:
        return HttpResponse(status=204)
    if not arrivals or not queue_filter.is_valid():
        return HttpResponse(status=204)
    filters = request.GET.copy()
    filters.pop("after_id", None)
    singles = [ticket for ticket in arrivals if ticket.incident_id is None]
    context = {
        "can_bulk": staff_roles(user=request.user).supervises,
        "rows": queue_rows(singles, timezone.now()),
        "arrived": True,
        "arrived_count": len(singles),
        "poll_query": _poll_query(filters, arrivals[0].id),
    }
    return render(request, "workspace/_queue_arrivals.html", context)


@require_POST
@staff_login_required
def take_next(request: HttpRequest) -> HttpResponse:
    try:
        ticket = ticket_take_next(officer=request.user)
    except ActionForbidden as error:
        return render(request, "workspace/forbidden.html", {"message": str(error.message)}, status=403)
    if ticket is None:
        messages.info(request, _("Nothing is waiting: every ticket you may take has an officer."))
        return redirect("workspace:queue")
    messages.success(request, _("Ticket %(number)s is yours now.") % {"number": ticket.number})
    return redirect("workspace:ticket", number=ticket.number)


@require_safe
@staff_login_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        page = ticket_page_get(user=request.user, number=number)
    except Ticket.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "workspace/ticket.html", ticket_page_context(request, page))


@require_POST
@staff_login_required
def reply_length(request: HttpRequest) -> HttpResponse:
    """The live count under the reply box: weighted as X counts it (tickets.outbox), and how many posts."""
    text = request.POST.get("text", "")[:10_000]
    return render(request, "workspace/ticket/_reply_length.html", {"reply_length": reply_length_context(text)})


@require_safe
@staff_login_required
def canned_response_insert(request: HttpRequest, number: str) -> HttpResponse:
    """The reply box with the chosen canned response filled in for this ticket, in the chosen language
    (editable before sending)."""
    try:
        ticket = ticket_for_action(user=request.user, number=number)
    except Ticket.DoesNotExist as exc:
        raise Http404 from exc
    canned_response_id = id_param(request.GET.get("canned_response"))
    if canned_response_id is None:
        # "Choose a canned response" again: leave what the officer wrote as it is.
        return HttpResponse(status=204)
    language = request.GET.get("language") if request.GET.get("language") in ("en", "hi") else None
    text, error_message = "", None
    try:
        text = canned_response_render(ticket=ticket, canned_response_id=canned_response_id, language=language)
    except AppError as error:
        error_message = str(error.message)
    if error_message:
        form = ReplyForm({"text": text}, auto_id="reply_%s")
        form.is_valid()
        form.add_error("text", error_message)
    else:
        form = ReplyForm(initial={"text": text}, auto_id="reply_%s")
    context = {"ticket": ticket, "reply_form": form, "reply_length": reply_length_context(text)}
    return render(request, "workspace/ticket/_reply_compose.html", context)


@require_POST
@staff_login_required
def duty_set(request: HttpRequest) -> HttpResponse:
    """An officer goes on ("on") or off ("off") duty; with htmx the header's switch is redrawn, without
    it the officer goes back to the page they were on."""
    on_duty = request.POST.get("on_duty") == "on"
    try:
        membership_duty_set(actor=request.user, on_duty=on_duty)
    except PermissionDenied as error:
        return render(request, "workspace/forbidden.html", {"message": str(error)}, status=403)
    messages.success(request, _("You are on duty: new tickets come to you.") if on_duty else _("You are off duty."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = ""
    if not is_htmx(request):
        return redirect(back or "workspace:queue")
    context = {"on_duty": user_on_duty(user=request.user), "next": back, "oob_flash": True}
    return render(request, "workspace/_duty_toggle.html", context)
