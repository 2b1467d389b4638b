"""Who may do what, route by route: every role of another department sees nothing of BSNL's and
changes nothing (404 on object routes, 403 or nothing listed on collections); auditors write
nothing (403); nobody signed out gets anything (401). Each check asserts the database unchanged."""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.urls import reverse

from accounts.models import User
from departments.models import CannedResponse, Role
from tests.factories.tickets import department, staff, ticket_of
from tickets.api import urls as ticket_urls
from tickets.exports.models import ExportJob
from tickets.exports.services import export_request
from tickets.lifecycle import Status
from tickets.models import AuditEvent, Escalation, Feedback, Incident, InternalNote, Ticket, TicketMessage

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class World:
    ticket: Ticket
    other: Ticket
    escalation: Escalation
    canned: CannedResponse
    incident: Incident
    incident2: Incident
    export: ExportJob


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    args: object = None  # World -> args for reverse()
    body: dict = field(default_factory=dict)  # a POST's JSON body; a GET's query
    writes: bool = True


def _number(world: World) -> list[str]:
    return [world.ticket.number]


TICKET_ROUTES = [
    Route("ticket-detail", "get", _number, writes=False),
    Route("ticket-feedback", "get", _number, writes=False),
    Route("ticket-claim", "post", _number),
    Route("ticket-assign", "post", _number, {"user": "bsnl_officer"}),
    Route("ticket-transition", "post", _number, {"to": "in_progress"}),
    Route("ticket-reply", "post", _number, {"text": "Hello"}),
    Route("ticket-note", "post", _number, {"text": "Hello"}),
    Route("ticket-transfer", "post", _number, {"department": "POSTS", "reason": "Theirs."}),
    Route("ticket-merge", "post", _number, {"into": "@other"}),
    Route("ticket-priority", "post", _number, {"priority": "p1", "category": "other", "reason": "Urgent."}),
    Route("escalation-acknowledge", "post", lambda world: [world.escalation.pk]),
    Route("canned-response-update", "post", lambda world: [world.canned.pk], {"title": "Changed"}),
    Route("incident-detail", "get", lambda world: [world.incident.pk], writes=False),
    Route("incident-add", "post", lambda world: [world.incident.pk], {"tickets": ["@ticket"]}),
    Route("incident-remove", "post", lambda world: [world.incident.pk], {"tickets": ["@ticket"]}),
    Route("incident-note", "post", lambda world: [world.incident.pk], {"note": "Repair by 6 pm."}),
    Route("incident-resolve", "post", lambda world: [world.incident.pk], {"note": "Repaired."}),
    Route("incident-merge", "post", lambda world: [world.incident2.pk], {"into": "@incident"}),
    # Names BSNL: another department's roles get 404, as for BSNL's tickets (exports are reads here).
    Route(
        "report-accountability",
        "get",
        body={"department": "BSNL", "start": "2026-11-01", "end": "2026-11-30", "format": "csv"},
        writes=False,
    ),
    # An export of BSNL's report (a read too), and a BSNL auditor's export: only its owner and the
    # ministry's admins reach it; anyone else gets 404.
    Route(
        "report-export-list",
        "post",
        body={"department": "BSNL", "start": "2026-11-01", "end": "2026-11-30", "format": "csv"},
        writes=False,
    ),
    Route("report-export-detail", "get", lambda world: [world.export.pk], writes=False),
    Route("report-export-file", "get", lambda world: [world.export.pk], writes=False),
]
COLLECTION_ROUTES = [
    Route("ticket-list", "get", writes=False),
    Route("escalation-list", "get", writes=False),
    Route("canned-response-list", "get", writes=False),
    Route("feedback-summary", "get", writes=False),
    Route("dashboard-summary", "get", writes=False),
    Route("department-list", "get", writes=False),
    Route("canned-response-create", "post", body={"department": "BSNL", "title": "New", "text_en": "Text"}),
    Route("incident-list", "get", writes=False),
    Route("report-export-list", "get", writes=False),
    Route("incident-open", "post", body={"department": "BSNL", "title": "New"}),
    Route("ticket-take-next", "post"),
]
ROUTES = TICKET_ROUTES + COLLECTION_ROUTES
WRITES = [route for route in ROUTES if route.writes]


@pytest.fixture
def world(seeded, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    Feedback.objects.create(ticket=ticket_of("BSNL", status=Status.RESOLVED), rating=4)
    return World(
        ticket=ticket,
        other=ticket_of("BSNL"),
        escalation=Escalation.objects.create(ticket=ticket, level=2, notify_department=department("BSNL")),
        canned=CannedResponse.objects.create(department=department("BSNL"), title="Line", text_en="On it."),
        incident=Incident.objects.create(
            title="Kochi outage", department=department("BSNL"), unit=department("BSNL_KL")
        ),
        incident2=Incident.objects.create(
            title="Kochi again", department=department("BSNL"), unit=department("BSNL_KL")
        ),
        export=export_request(
            user=staff("BSNL", Role.AUDITOR),
            department_code="BSNL",
            start=date(2026, 11, 1),
            end=date(2026, 11, 30),
            fmt="csv",
        ),
    )


def call(client, route: Route, world: World):
    args = route.args(world) if route.args else []
    names = {"@other": world.other.number, "@ticket": world.ticket.number, "@incident": world.incident.pk}

    def named(value):
        return [named(item) for item in value] if isinstance(value, list) else names.get(value, value)

    body = {key: named(value) for key, value in route.body.items()}
    url = reverse(route.name, args=args)
    return client.get(url, body) if route.method == "get" else client.post(url, body, format="json")


def snapshot() -> dict:
    return {
        "tickets": list(Ticket.objects.order_by("id").values()),
        "messages": list(TicketMessage.objects.order_by("id").values_list("id", "delivery")),
        "notes": InternalNote.objects.count(),
        "events": AuditEvent.objects.count(),
        "escalations": list(Escalation.objects.order_by("id").values()),
        "canned": list(CannedResponse.objects.order_by("id").values()),
    }


def shows_bsnl(body: dict) -> bool:
    """Whether a collection's answer holds anything of BSNL's (its code, units, tickets' numbers)."""
    return "BSNL" in str(body)


# Public by design, and shows no personal data: see tests/tickets/test_public_status.py.
PUBLIC_ROUTES = {"public-ticket-status"}


def test_the_tables_cover_every_route_of_the_tickets_api():
    routes = {pattern.name for pattern in ticket_urls.urlpatterns} - PUBLIC_ROUTES
    assert routes <= {route.name for route in ROUTES}


OTHER_DEPARTMENT_ROLES = [Role.OFFICER, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN, Role.AUDITOR]


@pytest.mark.parametrize("role", OTHER_DEPARTMENT_ROLES)
def test_each_role_of_another_department_sees_nothing_and_changes_nothing(world, client_for, role):
    client = client_for(staff("POSTS", role))
    before = snapshot()
    problems = []
    for route in TICKET_ROUTES:
        response = call(client, route, world)
        if response.status_code != 404 or response.json()["error"]["code"] != "not_found":
            problems.append((route.name, response.status_code))
    for route in COLLECTION_ROUTES:
        response = call(client, route, world)
        if route.name in ("canned-response-create", "incident-open"):
            expected = {403}
        elif route.name == "ticket-take-next":
            expected = {403} if role == Role.AUDITOR else {204}
        elif route.name == "dashboard-summary":  # for supervisors, department admins and auditors
            expected = {403} if role == Role.OFFICER else {200}
        else:
            expected = {200}
        if response.status_code not in expected:
            problems.append((route.name, response.status_code))
        elif response.status_code == 200 and shows_bsnl(response.json()):
            problems.append((route.name, "shows BSNL's data"))
    assert problems == []
    assert snapshot() == before


def test_an_officer_of_another_unit_of_the_same_department_sees_nothing_of_this_unit(world, client_for):
    client = client_for(staff("BSNL_MH"))
    before = snapshot()
    for route in TICKET_ROUTES[:9]:  # the ticket's own routes; the escalation and response are BSNL-wide
        assert call(client, route, world).status_code == 404, route.name
    assert snapshot() == before


@pytest.mark.parametrize("who", ["bsnl_auditor", "auditor", "kerala_auditor"])
def test_auditors_get_403_on_every_write_and_change_nothing(world, client_for, who):
    if who == "bsnl_auditor":
        user = staff("BSNL", Role.AUDITOR)
    elif who == "kerala_auditor":
        user = staff("BSNL_KL", Role.AUDITOR)
    else:
        user = User.objects.get(username=who)
    client = client_for(user)
    before = snapshot()
    problems = []
    for route in WRITES:
        response = call(client, route, world)
        # A unit's auditor does not see the department-wide escalation and response: 404, not 403.
        department_wide = route.name in ("escalation-acknowledge", "canned-response-update")
        expected = 404 if who == "kerala_auditor" and department_wide else 403
        if response.status_code != expected:
            problems.append((route.name, response.status_code))
    assert problems == []
    assert snapshot() == before


@pytest.mark.parametrize("who", ["bsnl_auditor", "auditor"])
def test_auditors_read_everything_in_their_scope(world, client_for, who):
    user = staff("BSNL", Role.AUDITOR) if who == "bsnl_auditor" else User.objects.get(username=who)
    client = client_for(user)
    assert client.get(reverse("ticket-detail", args=[world.ticket.number])).status_code == 200
    assert client.get(reverse("ticket-feedback", args=[world.ticket.number])).status_code == 200
    assert len(client.get(reverse("escalation-list")).json()["results"]) == 1
    assert "Line" in str(client.get(reverse("canned-response-list")).json())
    assert client.get(reverse("feedback-summary")).json()["results"][0]["department"] == "BSNL"
    assert client.get(reverse("dashboard-summary")).json()["by_department"][0]["code"] == "BSNL"


def test_an_officer_gets_403_on_what_is_for_supervisors(world, client_for):
    client = client_for(User.objects.get(username="bsnl_officer"))
    before = snapshot()
    for name in ("ticket-assign", "escalation-acknowledge", "canned-response-update", "canned-response-create"):
        route = next(route for route in ROUTES if route.name == name)
        response = call(client, route, world)
        assert (response.status_code, response.json()["error"]["code"]) == (403, "permission_denied"), name
    assert snapshot() == before


def test_nobody_signed_out_gets_anything(world, api_client):
    before = snapshot()
    for route in ROUTES:
        assert call(api_client, route, world).status_code == 401, route.name
    assert snapshot() == before


def test_the_ministry_admin_may_do_everything(world, client_for):
    client = client_for(User.objects.get(username="admin"))
    for route in [r for r in TICKET_ROUTES if r.name not in ("ticket-transfer", "ticket-merge", "incident-merge")]:
        assert call(client, route, world).status_code in (200, 201), route.name
