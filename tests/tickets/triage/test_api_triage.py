"""POST /api/v1/tickets/{number}/priority/, the ticket's triage fields and the category filter."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories.tickets import ticket_of
from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(seeded, client_for):
    return client_for(User.objects.get(username="bsnl_officer"))


def change(client, number, **body):
    return client.post(reverse("ticket-priority", args=[number]), body, format="json")


def test_the_change_answers_with_the_ticket(officer):
    ticket = ticket_of("BSNL")
    response = change(officer, ticket.number, priority="p1", category="money_deducted", reason="Money taken twice")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["number"], body["priority"], body["category"], body["triage_reason"], body["incident"]) == (
        ticket.number,
        "p1",
        "money_deducted",
        "Money taken twice",
        None,
    )
    assert AuditEvent.objects.filter(ticket=ticket, kind=EventKind.TRIAGE_CHANGED).count() == 1


def test_a_ticket_without_category_shows_other(officer):
    ticket = ticket_of("BSNL")
    body = officer.get(reverse("ticket-detail", args=[ticket.number])).json()
    assert (body["category"], body["triage_reason"], body["incident"]) == ("other", "", None)


def test_without_a_reason_is_400_on_reason(officer):
    response = change(officer, ticket_of("BSNL").number, priority="p1", category="other")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"reason"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"priority": "p9", "category": "other", "reason": "x"}, "priority"),
        ({"priority": "p1", "category": "no_such", "reason": "x"}, "category"),
        ({"priority": "p1", "category": "other", "reason": "x" * 301}, "reason"),
    ],
)
def test_bad_input_is_400_on_its_field(officer, body, field):
    response = change(officer, ticket_of("BSNL").number, **body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_an_auditor_gets_403(seeded, client_for):
    auditor = client_for(User.objects.get(username="auditor"))
    response = change(auditor, ticket_of("BSNL").number, priority="p1", category="other", reason="x")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_another_departments_ticket_is_404(officer):
    response = change(officer, ticket_of("POSTS").number, priority="p1", category="other", reason="x")
    assert response.status_code == 404


def test_the_list_filters_by_category(officer):
    billed, plain = ticket_of("BSNL", category_id="billing"), ticket_of("BSNL")
    numbers = lambda query: {t["number"] for t in officer.get(reverse("ticket-list"), query).json()["results"]}  # noqa: E731
    assert numbers({"category": "billing"}) == {billed.number}
    assert plain.number in numbers({"category": "other"})
    assert billed.number not in numbers({"category": "other"})
