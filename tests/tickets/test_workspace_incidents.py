"""The workspace's incidents: the list, one incident's page and its supervisors' forms, the queue's
"put into incident", and the incident's public note on its tickets' status pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from tests.factories.tickets import department, ticket_of
from tickets.lifecycle import Status
from tickets.models import Incident, IncidentStatus, MessageKind, Ticket, TicketMessage
from tickets.services.incidents import incident_note_set, incident_open

pytestmark = pytest.mark.django_db


def signed_in(client, username: str):
    client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def incident(seeded):
    tickets = [ticket_of("BSNL", unit="BSNL_MH", subject=f"No network in Kothrud {n}") for n in range(3)]
    return incident_open(
        actor=User.objects.get(username="bsnl_supervisor"),
        department=department("BSNL"),
        unit=department("BSNL_MH"),
        title="Pune · no signal: network, down",
        ticket_ids=[t.pk for t in tickets],
    )


def test_the_nav_links_the_list_and_the_list_links_each_incident(client, incident):
    signed_in(client, "bsnl_officer")
    body = client.get(reverse("workspace:incidents")).content.decode()
    assert reverse("workspace:incidents") in body
    assert "Pune · no signal: network, down" in body
    assert reverse("workspace:incident", args=[incident.pk]) in body


def test_the_list_costs_the_same_queries_for_one_or_many(client, incident):
    signed_in(client, "bsnl_officer")

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("workspace:incidents")).status_code == 200
        return len(captured.captured_queries)

    one = count()
    supervisor = User.objects.get(username="bsnl_supervisor")
    for n in range(4):
        incident_open(actor=supervisor, department=department("BSNL"), unit=None, title=f"More {n}")
    assert count() == one


def test_an_officer_sees_the_tickets_but_no_supervisors_forms(client, incident):
    signed_in(client, "bsnl_officer")
    body = client.get(reverse("workspace:incident", args=[incident.pk])).content.decode()
    assert "No network in Kothrud 1" in body
    assert reverse("workspace:incident-action", args=[incident.pk, "resolve"]) not in body
    response = client.post(reverse("workspace:incident-action", args=[incident.pk, "resolve"]), {"note": "Fixed."})
    assert response.status_code == 403
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.OPEN


def test_another_department_does_not_find_it(client, incident):
    signed_in(client, "posts_officer")
    assert client.get(reverse("workspace:incident", args=[incident.pk])).status_code == 404
    response = client.post(reverse("workspace:incident-action", args=[incident.pk, "note"]), {"note": "x"})
    assert response.status_code == 404


def test_a_supervisor_resolves_from_the_page(client, incident):
    signed_in(client, "bsnl_supervisor")
    body = client.get(reverse("workspace:incident", args=[incident.pk])).content.decode()
    assert reverse("workspace:incident-action", args=[incident.pk, "resolve"]) in body
    response = client.post(
        reverse("workspace:incident-action", args=[incident.pk, "resolve"]), {"note": "The fibre is repaired."}
    )
    assert response.status_code == 302
    assert set(Ticket.objects.filter(incident=incident).values_list("status", flat=True)) == {Status.RESOLVED}
    assert TicketMessage.objects.filter(kind=MessageKind.INCIDENT_RESOLUTION).count() == 3


def test_an_empty_resolution_is_refused_on_the_page(client, incident):
    signed_in(client, "bsnl_supervisor")
    response = client.post(reverse("workspace:incident-action", args=[incident.pk, "resolve"]), {"note": " "})
    assert response.status_code == 400
    assert "Resolving an incident needs a resolution note." in response.content.decode()


def test_the_queue_puts_selected_tickets_into_a_new_incident(client, seeded):
    tickets = [ticket_of("BSNL", unit="BSNL_MH") for _ in range(2)]
    signed_in(client, "bsnl_supervisor")
    # The queue's bulk form posts its selection (`ticket`) here with the "Put into incident" button.
    queue = client.get(reverse("workspace:queue")).content.decode()
    assert f'formaction="{reverse("workspace:incident-bulk")}"' in queue
    response = client.post(
        reverse("workspace:incident-bulk"), {"ticket": [t.number for t in tickets], "title": "Kothrud exchange"}
    )
    incident = Incident.objects.get(title="Kothrud exchange")
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:incident", args=[incident.pk])
    assert incident.tickets.count() == 2
    another = ticket_of("BSNL", unit="BSNL_MH")
    client.post(reverse("workspace:incident-bulk"), {"tickets": [another.number], "incident": incident.pk})
    assert incident.tickets.count() == 3


def test_an_officer_has_no_bulk_form(client, seeded):
    ticket_of("BSNL", unit="BSNL_MH")
    signed_in(client, "bsnl_officer")
    assert 'id="incident-bulk"' not in client.get(reverse("workspace:queue")).content.decode()


def test_the_status_page_shows_the_incidents_public_note(client, incident):
    incident_note_set(
        actor=User.objects.get(username="bsnl_supervisor"), incident=incident, note="Fibre cut at Kothrud; by 6 pm."
    )
    ticket = incident.tickets.first()
    body = client.get(reverse("public-status", args=[ticket.number])).content.decode()
    assert "Fibre cut at Kothrud; by 6 pm." in body
    with translation.override("hi"):
        body = client.get(reverse("public-status", args=[ticket.number]), HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert "Fibre cut at Kothrud; by 6 pm." in body


@pytest.mark.parametrize("incident_id", [0, 999_999_999, 2**63, 10**30])
def test_an_unknown_incident_is_a_404_page(client, seeded, incident_id):
    signed_in(client, "bsnl_supervisor")
    assert client.get(f"/desk/incidents/{incident_id}/").status_code == 404
    assert client.post(f"/desk/incidents/{incident_id}/resolve/", {"note": "Fixed."}).status_code == 404
