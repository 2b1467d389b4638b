"""What the ticket page shows: the ticket, its thread and timeline, and the action forms the user may
use on it (a read-only user, such as an auditor, gets none). Shared by the page and by the actions,
which redraw it (or one of its forms, with the service's error) after a POST."""

from django import forms
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from tickets.lifecycle import OPEN_STATUSES, TRANSITIONS, Status
from tickets.models import OTHER_CATEGORY, Ticket
from tickets.workspace.forms import (
    AssignForm,
    CannedResponsePickForm,
    MergeForm,
    NoteForm,
    ReplyForm,
    TransferForm,
    TransitionForm,
    TriageForm,
)
from tickets.workspace.presenters import (
    escalation_level_label,
    priority_label,
    reply_length_context,
    sla_clock,
    timeline,
    triage_summary,
)
from tickets.workspace.selectors import (
    StaffRoles,
    TicketPage,
    assignee_choices,
    canned_response_choices,
    category_choices,
    staff_roles,
    ticket_scope_ancestor_ids,
    transfer_department_choices,
)

# Statuses after which a ticket takes no more replies.
FINAL_STATUSES = frozenset({Status.CLOSED, Status.REJECTED})


def hidden_transitions(*, ticket: Ticket, user, roles: StaffRoles) -> frozenset[str]:
    """Moves the form does not offer because the service would refuse this user (it still decides):
    closing early is a supervisor's, putting back in the queue the assignee's or a supervisor's."""
    if roles.can_supervise(ticket):
        return frozenset()
    hidden = {Status.CLOSED}
    if ticket.assigned_to_id != user.pk:
        hidden.add(Status.NEW)
    return frozenset(hidden)


def build_action_form(
    name: str, *, ticket: Ticket, user, roles: StaffRoles, data=None, scope_ids: list[int] | None = None
) -> forms.Form:
    """The form of one action, with its choices for this ticket, bound to `data` when given."""
    auto_id = f"{name}_%s"
    if name == "assign":
        scope_ids = ticket_scope_ancestor_ids(ticket=ticket) if scope_ids is None else scope_ids
        return AssignForm(data, auto_id=auto_id, assignees=assignee_choices(scope_ids=scope_ids))
    if name == "transition":
        hidden = hidden_transitions(ticket=ticket, user=user, roles=roles)
        return TransitionForm(data, auto_id=auto_id, from_status=ticket.status, hidden_statuses=hidden)
    if name == "transfer":
        return TransferForm(data, auto_id=auto_id, departments=transfer_department_choices(ticket=ticket, user=user))
    if name == "triage":
        initial = {"priority": ticket.priority, "category": ticket.category_id or OTHER_CATEGORY}
        return TriageForm(
            data, auto_id=auto_id, categories=category_choices(ticket=ticket), language=get_language(), initial=initial
        )
    form_class = {"reply": ReplyForm, "note": NoteForm, "merge": MergeForm}.get(name, forms.Form)
    return form_class(data, auto_id=auto_id)


def available_actions(*, ticket: Ticket, roles: StaffRoles) -> list[str]:
    """The actions whose forms the page shows this user on this ticket."""
    if not roles.can_work(ticket):
        return []
    is_open = ticket.status in OPEN_STATUSES
    actions = []
    if is_open and ticket.assigned_to_id is None:
        actions.append("claim")
    if is_open and roles.can_supervise(ticket):
        actions.append("assign")
    if TRANSITIONS.get(ticket.status):
        actions.append("transition")
    if ticket.status not in FINAL_STATUSES:
        actions.append("reply")
    actions.append("note")
    actions.append("triage")
    if is_open:
        actions.append("transfer")
    if Status.REJECTED in TRANSITIONS.get(ticket.status, frozenset()):
        actions.append("merge")
    return actions


def ticket_page_context(request: HttpRequest, page: TicketPage, *, bound: dict | None = None) -> dict:
    """Everything the ticket page (or its redrawn workspace) needs; `bound` holds a form that failed,
    to show with its errors in place of a fresh one."""
    ticket, user = page.ticket, request.user
    roles = staff_roles(user=user)
    now = timezone.now()
    actions = available_actions(ticket=ticket, roles=roles)
    scope_ids = ticket_scope_ancestor_ids(ticket=ticket) if {"assign", "reply"} & set(actions) else []
    bound = bound or {}
    action_forms = {
        name: bound[name]
        if name in bound
        else build_action_form(name, ticket=ticket, user=user, roles=roles, scope_ids=scope_ids)
        for name in actions
    }
    canned_form = None
    if "reply" in actions:
        responses = canned_response_choices(scope_ids=scope_ids)
        canned_form = CannedResponsePickForm(
            auto_id="canned_%s",
            responses=responses,
            initial={"language": "hi" if ticket.language == "hi" else "en"},
        )
    return {
        "nav": "queue",
        "page": page,
        "ticket": ticket,
        "now": now,
        "clock": sla_clock(ticket, now),
        "timeline": timeline(ticket.events.all()),
        "priority": priority_label(ticket.priority),
        "triage": triage_summary(ticket, language=get_language()),
        "escalation_label": escalation_level_label(ticket.escalation_level),
        "can_work": bool(actions),
        "can_supervise": roles.can_supervise(ticket),
        "forms": action_forms,
        "canned_form": canned_form,
        "reply_length": reply_length_context(bound["reply"].data.get("text", "") if "reply" in bound else ""),
    }
