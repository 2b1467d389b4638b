"""The ticket page says why a ticket has its priority and category, and officers change them there."""

import pytest

from tests.ingestion.factories import BSNL
from tests.tickets.test_workspace import HTMX, action_url, html, ingest_ticket, signed_in, ticket_url
from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db
__all__ = ["ingest_ticket"]  # a fixture


@pytest.fixture
def money_ticket(ingest_ticket):
    return ingest_ticket("@BSNLCorporate paise kat gaye, recharge nahi hua #BSNLSeva", mentions=[BSNL])


def test_the_page_shows_priority_category_and_why(client, money_ticket):
    body = html(signed_in(client, "bsnl_officer").get(ticket_url(money_ticket)))
    assert "P1 · Money deducted" in body
    assert "P1: Money deducted (“paise kat gaye”)" in body
    assert 'id="action-triage"' in body


def test_an_officer_changes_them_with_a_reason(client, money_ticket):
    response = signed_in(client, "bsnl_officer").post(
        action_url(money_ticket, "triage"),
        {"priority": "p2", "category": "billing", "reason": "A wrong bill, not a deduction"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "P2 · Wrong bill" in html(response)
    money_ticket.refresh_from_db()
    assert (money_ticket.priority, money_ticket.category_id) == ("p2", "billing")
    assert AuditEvent.objects.filter(ticket=money_ticket, kind=EventKind.TRIAGE_CHANGED).count() == 1


def test_without_a_reason_the_form_says_so(client, money_ticket):
    response = signed_in(client, "bsnl_officer").post(
        action_url(money_ticket, "triage"), {"priority": "p2", "category": "billing", "reason": ""}, **HTMX
    )
    assert response.status_code == 400
    assert "Say why the priority or category changes." in html(response)
    money_ticket.refresh_from_db()
    assert money_ticket.priority == "p1"


def test_an_auditor_gets_no_form(client, money_ticket):
    body = html(signed_in(client, "auditor").get(ticket_url(money_ticket)))
    assert "P1 · Money deducted" in body
    assert 'id="action-triage"' not in body
