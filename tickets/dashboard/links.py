"""The queue link behind each dashboard figure: the queue's filters (tickets.workspace.forms.QueueFilter)
that list exactly the tickets the figure counts. Times are given in India's time, as ISO 8601."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse

from departments.models import Department
from tickets.dashboard.periods import INDIA, Period
from tickets.models import Escalation
from tickets.workspace.forms import ANY_STATUS

# The dashboard's scopes of a row: a department (its units' tickets too), a unit, a state.
Scope = Department | str | None


def _iso(moment: datetime) -> str:
    return moment.astimezone(INDIA).isoformat()


def _scope(scope: Scope) -> dict[str, str]:
    if scope is None:
        return {}
    if isinstance(scope, str):
        return {"state": scope}
    return {"unit": scope.code} if scope.is_unit else {"department": scope.code}


def queue_link(params: dict) -> str:
    return f"{reverse('workspace:queue')}?{urlencode(params, doseq=True)}"


def received(period: Period, scope: Scope = None) -> str:
    return queue_link(
        {
            "status": ANY_STATUS,
            "created_after": _iso(period.start),
            "created_before": _iso(period.end),
            **_scope(scope),
        }
    )


def resolved(period: Period, scope: Scope = None) -> str:
    return queue_link(
        {
            "status": ANY_STATUS,
            "resolved_after": _iso(period.start),
            "resolved_before": _iso(period.end),
            **_scope(scope),
        }
    )


def responded(period: Period) -> str:
    return queue_link(
        {"status": ANY_STATUS, "responded_after": _iso(period.start), "responded_before": _iso(period.end)}
    )


def open_now(scope: Scope = None) -> str:
    return queue_link(_scope(scope))


def breached(scope: Scope = None) -> str:
    return queue_link({"breached": "true", **_scope(scope)})


def sla(period: Period, due_end: datetime, outcomes: list[str], scope: Scope = None) -> str:
    return queue_link(
        {
            "status": ANY_STATUS,
            "due_after": _iso(period.start),
            "due_before": _iso(max(period.start, due_end)),
            "sla": outcomes,
            **_scope(scope),
        }
    )


def escalated(period: Period, *, level: int | None = None, appeal: bool = False) -> str:
    params = {
        "status": ANY_STATUS,
        "escalation_reason": Escalation.Reason.APPEAL if appeal else Escalation.Reason.SLA,
        "escalated_after": _iso(period.start),
        "escalated_before": _iso(period.end),
    }
    if level is not None:
        params["escalation_level"] = str(level)
    return queue_link(params)


def rated(period: Period, *, ratings: list[int] | None = None) -> str:
    params: dict = {"status": ANY_STATUS, "rated_after": _iso(period.start), "rated_before": _iso(period.end)}
    if ratings:
        params["rating"] = [str(rating) for rating in ratings]
    return queue_link(params)


def received_in_hour(hour: datetime) -> str:
    return queue_link(
        {"status": ANY_STATUS, "created_after": _iso(hour), "created_before": _iso(hour + timedelta(hours=1))}
    )


def received_in_category(start: datetime, category: str) -> str:
    return queue_link(
        {
            "status": ANY_STATUS,
            "category": category,
            "created_after": _iso(start),
            "created_before": _iso(start + timedelta(days=1)),
        }
    )


def incident_tickets(incident_id: int) -> str:
    return queue_link({"status": ANY_STATUS, "incident": str(incident_id)})
