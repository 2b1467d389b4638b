"""The queue's own POSTs: supervisors' bulk actions on the selected tickets (form id "bulk", one
`ticket` input per ticket number, a button per action), and saving and deleting named filters.
Each calls its service and goes back to the queue as it was filtered, saying what was done."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from seva.errors import AppError
from tickets.services import (
    ActionForbidden,
    saved_filter_delete,
    saved_filter_save,
    tickets_bulk_assign,
    tickets_bulk_reject_spam,
)
from tickets.services.saved_filters import saved_filter_query
from tickets.workspace.http import id_param, staff_login_required

# How many refused tickets the message names before "and N more".
REFUSALS_NAMED = 10


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    query = saved_filter_query(request.POST.get("query", ""))
    return redirect(f"{reverse('workspace:queue')}?{query}" if query else reverse("workspace:queue"))


@require_POST
@staff_login_required
def bulk_action(request: HttpRequest) -> HttpResponse:
    numbers = request.POST.getlist("ticket")
    action = request.POST.get("action")
    try:
        if action == "assign":
            result = tickets_bulk_assign(actor=request.user, numbers=numbers, assignee=request.POST.get("user", ""))
        elif action == "spam":
            result = tickets_bulk_reject_spam(
                actor=request.user, numbers=numbers, reason=request.POST.get("reason", "")
            )
        else:
            raise Http404
    except ActionForbidden as error:
        return render(request, "workspace/forbidden.html", {"message": str(error.message)}, status=403)
    except AppError as error:
        messages.error(request, " ".join(str(m) for ms in error.fields.values() for m in ms) or str(error.message))
        return _back_to_queue(request)
    if result.done:
        done = {
            "assign": _("%(count)d tickets assigned."),
            "spam": _("%(count)d tickets rejected as spam."),
        }[action]
        messages.success(request, done % {"count": len(result.done)})
    if result.refused:
        named = [f"{number}: {reason}" for number, reason in list(result.refused.items())[:REFUSALS_NAMED]]
        more = len(result.refused) - len(named)
        text = _("Not done: %(tickets)s") % {"tickets": "; ".join(named)}
        if more:
            text += " " + _("and %(count)d more.") % {"count": more}
        messages.error(request, text)
    return _back_to_queue(request)


@require_POST
@staff_login_required
def saved_filter_save_view(request: HttpRequest) -> HttpResponse:
    try:
        saved = saved_filter_save(
            user=request.user, name=request.POST.get("name", ""), query=request.POST.get("query", "")
        )
    except AppError as error:
        messages.error(request, " ".join(str(m) for ms in error.fields.values() for m in ms) or str(error.message))
    else:
        messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
    return _back_to_queue(request)


@require_POST
@staff_login_required
def saved_filter_delete_view(request: HttpRequest, saved_filter_id: int) -> HttpResponse:
    saved_filter_id = id_param(str(saved_filter_id))
    try:
        saved_filter_delete(user=request.user, saved_filter_id=saved_filter_id or 0)
    except AppError as error:
        raise Http404 from error
    messages.success(request, _("Saved filter deleted."))
    return _back_to_queue(request)
