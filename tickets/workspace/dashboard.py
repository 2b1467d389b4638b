"""The minister's dashboard (/desk/dashboard/): the figures of a period over the user's scope, each
linking to its tickets in the queue, redrawn by itself when they change (htmx polls the live part
every few seconds; an unchanged part answers 204 and nothing is redrawn). For supervisors,
department admins, auditors and ministry admins."""

import hashlib

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from departments.states import STATES
from tickets.dashboard import links
from tickets.dashboard.figures import POOR_RATING, Counts, DashboardFigures, ScopeRow, dashboard_figures
from tickets.dashboard.periods import INDIA, PERIOD_CHOICES, TODAY, Period, PeriodError, period_from, today_in_india
from tickets.models import Escalation
from tickets.selectors import posting_budget_overview
from tickets.workspace import charts
from tickets.workspace.forms import SLA_MET, SLA_MISSED
from tickets.workspace.http import staff_login_required
from tickets.workspace.selectors import staff_roles

# Below this share of due tickets resolved within their target, the compliance figure turns amber.
SLA_COMPLIANCE_TARGET_PERCENT = 90
# How often an open dashboard asks whether its figures changed (the issue asks for 5 s at most).
POLL_SECONDS = 4
# The accountability report's page.
REPORTS_PATH = "/desk/reports/"


def _period(request: HttpRequest, now) -> tuple[Period, dict[str, list[str]]]:
    try:
        return period_from(request.GET, now=now), {}
    except PeriodError as error:
        return period_from({}, now=now), error.fields


def _cells(period: Period, figures: DashboardFigures, counts: Counts, scope) -> dict:
    return {
        "counts": counts,
        "received_href": links.received(period, scope),
        "resolved_href": links.resolved(period, scope),
        "open_href": links.open_now(scope),
        "breached_href": links.breached(scope),
        "decided_href": links.sla(period, figures.due_end, [SLA_MET, SLA_MISSED], scope),
        "met_href": links.sla(period, figures.due_end, [SLA_MET], scope),
        "missed_href": links.sla(period, figures.due_end, [SLA_MISSED], scope),
    }


def _rows(period: Period, figures: DashboardFigures, rows: list[ScopeRow], language: str) -> list[dict]:
    return [
        {
            "code": row.department.code,
            "name": row.department.name_in(language),
            **_cells(period, figures, row.counts, row.department),
        }
        for row in rows
    ]


def _map(figures: DashboardFigures) -> dict:
    peak = max((counts.open for counts in figures.states.values()), default=0)
    regions = []
    for code, name in STATES.items():
        counts = figures.states.get(code)
        regions.append(
            {
                "code": code,
                "name": str(name),
                "counts": counts,
                "fill": charts.map_fill(counts.open, peak) if counts else charts.MAP_NO_UNIT,
                "href": links.open_now(code) if counts else "",
            }
        )
    return {
        "regions": regions,
        "rows": [
            {"code": code, "name": str(STATES[code]), **_cells(figures.period, figures, counts, code)}
            for code, counts in sorted(figures.states.items(), key=lambda item: str(STATES[item[0]]))
        ],
        "legend": charts.MAP_FILLS,
        "peak": peak,
    }


def dashboard_context(request: HttpRequest, figures: DashboardFigures) -> dict:
    """What the live part of the dashboard draws, every figure with its queue link."""
    period, language = figures.period, request.LANGUAGE_CODE
    day_start = figures.now.astimezone(INDIA).replace(hour=0, minute=0, second=0, microsecond=0)
    compliance = figures.total.compliance_percent
    return {
        "figures": figures,
        "total": _cells(period, figures, figures.total, None),
        "sla_below_target": compliance is not None and compliance < SLA_COMPLIANCE_TARGET_PERCENT,
        "departments": _rows(period, figures, figures.departments, language),
        "units": _rows(period, figures, figures.units, language),
        "map": _map(figures),
        "escalations": [
            {
                "level": level,
                "label": label,
                "count": figures.escalations_by_level[level],
                "href": links.escalated(period, level=level),
            }
            for level, label in Escalation.Level.choices
        ],
        "appeals_href": links.escalated(period, appeal=True),
        "responded_href": links.responded(period),
        "rated_href": links.rated(period),
        "poor_rated_href": links.rated(period, ratings=list(range(1, POOR_RATING + 1))),
        "volume_chart": charts.week_volume_chart(
            list(figures.volume),
            links=[links.received_in_hour(hour.hour.astimezone(INDIA)) for hour in figures.volume],
        ),
        "categories": [
            {
                "name": (category.name_hi if language.startswith("hi") and category.name_hi else category.name_en)
                or _("Other"),
                "received": category.received,
                "href": links.received_in_category(day_start, category.code),
            }
            for category in figures.categories_today
        ],
        "rising_words": [
            {"word": word, "href": links.incident_tickets(word.incident_id)} for word in figures.rising_words
        ],
        "posting_budget": posting_budget_overview(user=request.user, now=figures.now),
        "today": today_in_india(figures.now),
    }


def _live(request: HttpRequest, period: Period, now) -> tuple[str, str]:
    """The live part's HTML and its digest (what the poller sends back to ask "changed?")."""
    figures = dashboard_figures(user=request.user, period=period, now=now)
    html = render_to_string("workspace/dashboard/_figures.html", dashboard_context(request, figures), request=request)
    return html, hashlib.sha256(html.encode()).hexdigest()[:32]


def _poll_query(request: HttpRequest, period: Period, version: str) -> str:
    params = request.GET.copy()
    params.pop("v", None)
    if period.kind == TODAY:
        for key in ("period", "start", "end"):
            params.pop(key, None)
    params["v"] = version
    return params.urlencode()


def _forbidden(request: HttpRequest) -> HttpResponse:
    message = _("The dashboard is for supervisors, department admins, auditors and the ministry.")
    return render(request, "workspace/forbidden.html", {"message": message}, status=403)


@require_safe
@staff_login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not staff_roles(user=request.user).reads_reports:
        return _forbidden(request)
    now = timezone.now()
    period, errors = _period(request, now)
    html, version = _live(request, period, now)
    context = {
        "nav": "dashboard",
        "period": period,
        "period_choices": PERIOD_CHOICES,
        "period_errors": [message for messages in errors.values() for message in messages],
        "live_html": html,  # a SafeString: rendered (and escaped) by our own template
        "poll_query": _poll_query(request, period, version),
        "poll_seconds": POLL_SECONDS,
        "reports_path": REPORTS_PATH,
        "checked_at": now,
    }
    return render(request, "workspace/dashboard.html", context)


@require_safe
@staff_login_required
def dashboard_live(request: HttpRequest) -> HttpResponse:
    """The live part again, if its figures changed since the digest `v`; else 204 (nothing redrawn)."""
    if not staff_roles(user=request.user).reads_reports:
        return _forbidden(request)
    now = timezone.now()
    period, _errors = _period(request, now)
    html, version = _live(request, period, now)
    if request.GET.get("v") == version:
        return HttpResponse(status=204)
    context = {
        "live_html": html,  # a SafeString: rendered (and escaped) by our own template
        "poll_query": _poll_query(request, period, version),
        "poll_seconds": POLL_SECONDS,
        "checked_at": now,
    }
    return render(request, "workspace/dashboard/_live.html", context)
