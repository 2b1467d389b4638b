"""The dashboard redraws itself: its poller asks with the digest of what it shows and is told 204
(nothing changed) until a ticket changes a figure. Figures in India's grouping; bad periods are
form errors, never a 500."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories.tickets import TicketFactory, department
from tickets.templatetags.dashboard_format import hours_minutes, indian

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client, seeded):
    client.force_login(User.objects.get(username="bsnl_supervisor"))
    return client


def poll_url(body: str) -> str:
    return re.search(r'hx-get="([^"]+)"', body).group(1).replace("&amp;", "&")


def test_the_poller_is_told_nothing_changed_until_a_ticket_arrives(supervisor_client):
    page = supervisor_client.get(reverse("workspace:dashboard")).content.decode()
    assert 'hx-trigger="every 4s"' in page
    poll = poll_url(page)
    assert supervisor_client.get(poll).status_code == 204

    TicketFactory(department=department("BSNL"), unit=department("BSNL_KL"))
    redrawn = supervisor_client.get(poll)
    assert redrawn.status_code == 200
    body = redrawn.content.decode()
    assert re.search(r'<span class="stat-value">1</span><span class="stat-label">Received</span>', body)
    # The new poller carries the new digest: asked again, nothing changed.
    assert supervisor_client.get(poll_url(body)).status_code == 204


def test_another_departments_ticket_changes_nothing_here(supervisor_client):
    poll = poll_url(supervisor_client.get(reverse("workspace:dashboard")).content.decode())
    TicketFactory(department=department("POSTS"))
    assert supervisor_client.get(poll).status_code == 204


@pytest.mark.parametrize(
    "params",
    [
        {"period": "year"},
        {"period": "range", "start": "2026-13-01", "end": "2026-12-01"},
        {"period": "range", "start": "2026-12-02", "end": "2026-12-01"},
        {"period": "range", "start": "2020-01-01", "end": "2026-12-01"},
        {"period": "range", "start": "0001-01-01", "end": "0001-01-02"},
    ],
)
def test_a_bad_period_is_a_form_error_and_today_is_shown(supervisor_client, params):
    response = supervisor_client.get(reverse("workspace:dashboard"), params)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert supervisor_client.get(reverse("workspace:dashboard-live"), params).status_code == 200


def test_a_bad_queue_time_filter_is_a_form_error(supervisor_client):
    response = supervisor_client.get(reverse("workspace:queue"), {"escalated_after": "9999-12-31T23:00:00-23:00"})
    assert response.status_code in (200, 400)


def test_figures_in_indian_grouping():
    assert [indian(value) for value in (0, 999, 1000, 123456, 1234567, 100000000, -45678)] == [
        "0",
        "999",
        "1,000",
        "1,23,456",
        "12,34,567",
        "10,00,00,000",
        "-45,678",
    ]
    assert (indian(98.25), indian(None)) == ("98.2", "—")
    assert hours_minutes(125 * 3600 + 5 * 60) == "125 h 05 min"
