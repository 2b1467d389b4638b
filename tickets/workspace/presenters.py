"""How the workspace words things: relative times, the SLA clock, audit events.
Pure functions of what the selectors read, in the active language; no queries."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets.lifecycle import OPEN_STATUSES, Priority, Status
from tickets.models import AuditEvent, Delivery, Escalation, EventKind, Ticket
from tickets.post_text import POST_LIMIT, reply_thread_parts, weighted_length
from tickets.services.outbox import MAX_THREAD_PARTS

# A clock due within this many seconds is shown amber; past due, red.
DUE_SOON_SECONDS = 3600


def duration_label(seconds: float) -> str:
    """A span of time, short: "45 min", "2 h 5 min", "3 d 4 h" (never "0 min")."""
    minutes = max(1, int(abs(seconds) // 60))
    if minutes < 60:
        return gettext("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if minutes:
            return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
        return gettext("%(hours)d h") % {"hours": hours}
    days, hours = divmod(hours, 24)
    if hours:
        return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    return gettext("%(days)d d") % {"days": days}


def time_ago_label(moment: datetime, now: datetime) -> str:
    return gettext("%(span)s ago") % {"span": duration_label((now - moment).total_seconds())}


@dataclass(frozen=True)
class SlaClock:
    """The target a ticket is working towards now. `state`: overdue, soon, ok, paused or done."""

    state: str
    label: str
    target: str = ""
    due_at: datetime | None = None


def sla_clock(ticket: Ticket, now: datetime) -> SlaClock:
    if ticket.status not in OPEN_STATUSES:
        return SlaClock("done", gettext("Clock stopped"))
    if ticket.sla_paused_at is not None:
        return SlaClock("paused", gettext("Paused: waiting for the citizen"))
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        target, due_at = gettext("First response"), ticket.first_response_due_at
    elif ticket.resolution_due_at is not None:
        target, due_at = gettext("Resolution"), ticket.resolution_due_at
    else:
        return SlaClock("done", gettext("No target"))
    remaining = (due_at - now).total_seconds()
    span = duration_label(remaining)
    if remaining < 0:
        return SlaClock("overdue", gettext("%(span)s overdue") % {"span": span}, target, due_at)
    state = "soon" if remaining <= DUE_SOON_SECONDS else "ok"
    return SlaClock(state, gettext("due in %(span)s") % {"span": span}, target, due_at)


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    clock: SlaClock
    age: str


def queue_rows(tickets: list[Ticket], now: datetime) -> list[QueueRow]:
    return [QueueRow(ticket, sla_clock(ticket, now), time_ago_label(ticket.created_at, now)) for ticket in tickets]


def escalation_level_label(level: int) -> str:
    return str(Escalation.Level(level).label) if level in Escalation.Level.values else ""


def _status_label(value) -> str:
    return str(Status(value).label) if value in Status.values else str(value or "")


ASSIGNED_HOW = {
    "claim": _("claimed"),
    "assign": _("assigned by a supervisor"),
    "take_next": _("taken with Take next"),
    "auto": _("assigned automatically"),
}
ROUTED_BY = {
    "hashtag": _("Routed by the hashtag #%(value)s"),
    "mention": _("Routed by the account mentioned, @%(value)s"),
    "rule": _("Routed by a keyword or place rule"),
    "triage": _("Sent to the ministry's triage queue"),
}


@dataclass(frozen=True)
class TimelineEntry:
    event: AuditEvent
    label: str
    details: list[str] = field(default_factory=list)


# Why an acknowledgement was not sent (ack_dropped's reason).
ACK_DROPPED_REASONS = {
    "answered": _("The ticket was answered before the acknowledgement went out."),
    "closed": _("The ticket was closed before the acknowledgement went out."),
    "acknowledged": _("The citizen was acknowledged in this conversation already."),
}


def _route_details(route) -> list[str]:
    if not isinstance(route, dict) or route.get("by") not in ROUTED_BY:
        return []
    return [str(ROUTED_BY[route["by"]]) % {"value": route.get("value", "")}]


def _triage_details(data: dict) -> list[str]:
    """A triage change as "P3 · other → P1 · money_deducted"; at creation, why it got its priority."""
    if "to_priority" in data:
        before = f"{data['from_priority'].upper()} · {data['from_category'] or 'other'}"
        return [f"{before} → {data['to_priority'].upper()} · {data['to_category'] or 'other'}"]
    return [data["triage_reason"]] if data.get("triage_reason") else []


def _event_details(kind: str, data: dict) -> list[str]:
    if kind == EventKind.ACK_DROPPED:
        return [str(ACK_DROPPED_REASONS.get(data.get("reason"), data.get("reason", "")))]
    return _other_event_details(kind, data)


def _other_event_details(kind: str, data: dict) -> list[str]:
    details: list[str] = []
    if kind in (EventKind.STATUS_CHANGED, EventKind.REOPENED) and "to" in data:
        if "from" in data:
            details.append(f"{_status_label(data['from'])} → {_status_label(data['to'])}")
        else:
            details.append(_status_label(data["to"]))
    elif kind == EventKind.ASSIGNED:
        if data.get("assignee"):
            details.append(gettext("To %(name)s") % {"name": data["assignee"]})
        if data.get("how") in ASSIGNED_HOW:
            details.append(str(ASSIGNED_HOW[data["how"]]))
    elif kind == EventKind.TRANSFERRED:
        details.append(f"{data.get('from', '')} → {data.get('to', '')}")
    elif kind == EventKind.MERGED:
        if data.get("into"):
            details.append(gettext("Into %(number)s") % {"number": data["into"]})
        if data.get("merged"):
            details.append(gettext("%(number)s merged into this ticket") % {"number": data["merged"]})
    elif kind in (EventKind.ESCALATED, EventKind.ESCALATION_ACKNOWLEDGED) and data.get("level"):
        details.append(escalation_level_label(data["level"]))
    elif kind in (EventKind.CREATED, EventKind.TRIAGE_CHANGED):
        details += _route_details(data.get("route")) + _triage_details(data)  # only CREATED has a route
    elif kind == EventKind.REPLY_FAILED and data.get("error"):
        details.append(str(data["error"]))
    elif kind == EventKind.REPLIED and data.get("delivery") in Delivery.values:
        details.append(str(Delivery(data["delivery"]).label))
    details.extend(str(data[key]) for key in ("note", "reason") if data.get(key))
    return details


def timeline(events) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            event=event,
            label=str(EventKind(event.kind).label) if event.kind in EventKind.values else event.kind,
            details=_event_details(event.kind, event.data or {}),
        )
        for event in events
    ]


def triage_summary(ticket, *, language: str | None) -> dict:
    """ "P1 · Money deducted" and why (the rule and cue that set it, or the officer's reason)."""
    category = ticket.category.name_in(language) if ticket.category_id else str(_("Other"))
    return {"label": f"{ticket.priority.upper()} · {category}", "reason": ticket.triage_reason}


def priority_label(value: str) -> str:
    return str(Priority(value).label) if value in Priority.values else value


def reply_length_context(text: str) -> dict:
    """The reply box's counter: the length as X counts it (tickets.outbox, the same rules the outbox
    splits by) and how many posts the reply will take."""
    length = weighted_length(text.strip())
    parts = len(reply_thread_parts(text)) if length > POST_LIMIT else int(bool(length))
    return {
        "length": length,
        "limit": POST_LIMIT,
        "parts": parts,
        "too_long": parts > MAX_THREAD_PARTS,
        "max_parts": MAX_THREAD_PARTS,
    }
