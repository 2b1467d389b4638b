"""Incidents through the HTTP API: the list and detail in scope, the supervisors' actions, rights,
the error shape, and the ticket list's `incident` filter."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from tests.factories.tickets import department, ticket_of
from tickets.lifecycle import Status
from tickets.models import IncidentStatus, MessageKind, Ticket, TicketMessage
from tickets.services.incidents import incident_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_user(seeded):
    return User.objects.get(username="bsnl_supervisor")


@pytest.fixture
def supervisor(client_for, supervisor_user):
    return client_for(supervisor_user)


@pytest.fixture
def officer(seeded, client_for):
    return client_for(User.objects.get(username="bsnl_officer"))


@pytest.fixture
def posts_officer(seeded, client_for):
    return client_for(User.objects.get(username="posts_officer"))


@pytest.fixture
def incident(supervisor_user):
    tickets = [ticket_of("BSNL", unit="BSNL_MH") for _ in range(3)]
    return incident_open(
        actor=supervisor_user,
        department=department("BSNL"),
        unit=department("BSNL_MH"),
        title="Pune · no signal: network, down",
        ticket_ids=[t.pk for t in tickets],
    )


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def post(client, name: str, incident_id: int, body: dict):
    return client.post(reverse(f"incident-{name}", args=[incident_id]), body, format="json")


def test_the_list_shows_incidents_in_scope(officer, posts_officer, incident):
    response = officer.get(reverse("incident-list"))
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row == {
        "id": incident.pk,
        "title": "Pune · no signal: network, down",
        "department": "BSNL",
        "unit": "BSNL_MH",
        "status": "open",
        "category": None,
        "tickets_count": 3,
        "opened_at": row["opened_at"],
    }
    assert posts_officer.get(reverse("incident-list")).json()["results"] == []


def test_the_list_costs_the_same_queries_for_one_or_many(officer, supervisor_user, incident):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert officer.get(reverse("incident-list")).status_code == 200
        return len(captured.captured_queries)

    one = count()
    for _ in range(5):
        incident_open(actor=supervisor_user, department=department("BSNL"), unit=None, title="More")
    assert count() == one


def test_the_detail_and_its_tickets(officer, posts_officer, incident):
    response = officer.get(reverse("incident-detail", args=[incident.pk]))
    assert response.status_code == 200
    assert response.json()["opened_by"] == "bsnl_supervisor"
    error_of(posts_officer.get(reverse("incident-detail", args=[incident.pk])), 404)
    tickets = officer.get(reverse("ticket-list"), {"incident": incident.pk}).json()["results"]
    assert len(tickets) == 3
    assert officer.get(reverse("ticket-list"), {"incident": 0}).status_code == 400


def test_a_supervisor_resolves_and_each_citizen_is_told(supervisor, incident):
    response = post(supervisor, "resolve", incident.pk, {"note": "Fibre repaired at Kothrud."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == IncidentStatus.RESOLVED
    assert set(Ticket.objects.filter(incident=incident).values_list("status", flat=True)) == {Status.RESOLVED}
    assert TicketMessage.objects.filter(kind=MessageKind.INCIDENT_RESOLUTION).count() == 3
    error_of(post(supervisor, "resolve", incident.pk, {"note": "Again"}), 409)


def test_an_officer_cannot_resolve_and_another_department_cannot_find_it(officer, posts_officer, incident):
    error_of(post(officer, "resolve", incident.pk, {"note": "Fixed."}), 403)
    error_of(post(posts_officer, "resolve", incident.pk, {"note": "Fixed."}), 404)
    error_of(post(officer, "resolve", 2**63, {"note": "Fixed."}), 404)
    assert not Ticket.objects.filter(status=Status.RESOLVED).exists()


def test_add_remove_note_merge(supervisor, supervisor_user, incident):
    extra = ticket_of("BSNL", unit="BSNL_MH")
    assert post(supervisor, "add", incident.pk, {"tickets": [extra.number]}).json()["tickets_count"] == 4
    assert post(supervisor, "remove", incident.pk, {"tickets": [extra.number]}).json()["tickets_count"] == 3
    error = error_of(post(supervisor, "add", incident.pk, {"tickets": []}), 400)
    assert "tickets" in error["fields"]
    error = error_of(post(supervisor, "add", incident.pk, {"tickets": ["BSNL-0000-000000"]}), 400)
    assert error["code"] == "unknown_tickets"
    assert (
        post(supervisor, "note", incident.pk, {"note": "Repair by 6 pm."}).json()["public_note"] == "Repair by 6 pm."
    )
    other = incident_open(
        actor=supervisor_user, department=department("BSNL"), unit=department("BSNL_MH"), title="Dup"
    )
    merged = post(supervisor, "merge", other.pk, {"into": incident.pk})
    assert merged.status_code == 200
    assert merged.json()["id"] == incident.pk
    error_of(post(supervisor, "merge", incident.pk, {"into": incident.pk}), 400)


def test_a_supervisor_opens_one_by_hand(supervisor, officer):
    ticket = ticket_of("BSNL", unit="BSNL_MH")
    body = {"title": "Kothrud exchange down", "department": "BSNL", "unit": "BSNL_MH", "tickets": [ticket.number]}
    response = supervisor.post(reverse("incident-open"), body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["tickets_count"] == 1
    error_of(officer.post(reverse("incident-open"), body, format="json"), 403)
    error = error_of(supervisor.post(reverse("incident-open"), {**body, "department": "NOPE"}, format="json"), 400)
    assert "department" in error["fields"]


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("add", {"tickets": "BSNL-1"}),
        ("add", {"tickets": [{"number": 1}]}),
        ("add", {}),
        ("remove", {"tickets": None}),
        ("resolve", {"note": ["a"]}),
        ("resolve", {}),
        ("merge", {"into": "x"}),
    ],
)
def test_a_malformed_body_is_a_400_in_the_error_shape_and_changes_nothing(supervisor, incident, name, body):
    error_of(post(supervisor, name, incident.pk, body), 400)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN
    assert Ticket.objects.filter(incident=incident).count() == 3


def test_another_departments_ticket_cannot_be_put_into_an_incident(supervisor, incident):
    other = ticket_of("POSTS")
    response = post(supervisor, "add", incident.pk, {"tickets": [other.number]})
    assert 400 <= response.status_code < 500
    other.refresh_from_db()
    assert other.incident_id is None
