"""New tickets get their priority, category and reason at intake, with due times for that priority,
at a fixed number of queries per batch however many tickets and rules."""

import io
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from departments.models import Department
from ingestion.files import ingest_stream
from tests.ingestion.factories import tweet_id_of, v2_tweet
from tickets.models import AuditEvent, EventKind, TicketMessage, TriageRule

pytestmark = pytest.mark.django_db


def ticket_of(page):
    return TicketMessage.objects.select_related("ticket").get(tweet_id=int(tweet_id_of(page))).ticket


def test_a_new_ticket_gets_its_triage_and_due_times_for_it(ingest_lines):
    urgent, plain = v2_tweet("#BSNLSeva paise kat gaye, recharge failed"), v2_tweet("#BSNLSeva update my address")
    ingest_lines(urgent, plain)
    p1, p3 = ticket_of(urgent), ticket_of(plain)

    assert (p1.priority, p1.category_id, p1.triage_reason) == (
        "p1",
        "money_deducted",
        "P1: Money deducted (“paise kat gaye”)",
    )
    assert p1.triage_rule.name == "Money deducted"
    assert (p3.priority, p3.category_id, p3.triage_rule_id, p3.triage_reason) == ("p3", None, None, "")
    # The P1 policy is the tighter one.
    assert p1.first_response_due_at - p1.created_at < p3.first_response_due_at - p3.created_at
    created = AuditEvent.objects.get(ticket=p1, kind=EventKind.CREATED)
    assert (created.data["priority"], created.data["category"]) == ("p1", "money_deducted")
    assert created.data["triage_reason"] == p1.triage_reason


def test_a_unit_ticket_follows_its_units_own_rule_before_its_departments(ingest_lines):
    kerala = Department.objects.get(code="BSNL_KL")
    TriageRule.objects.create(
        department=kerala, name="Flood area", cues="no signal", priority="p1", category_id="no_signal"
    )
    page = v2_tweet("#BSNLSeva no signal in Kochi")
    ingest_lines(page)
    ticket = ticket_of(page)
    assert (ticket.unit_id, ticket.priority, ticket.triage_reason) == (kerala.id, "p1", "P1: Flood area (“no signal”)")


def test_an_inactive_rule_gives_nothing(ingest_lines):
    TriageRule.objects.filter(name="Money deducted").update(is_active=False)
    page = v2_tweet("#BSNLSeva paise kat gaye")
    ingest_lines(page)
    assert ticket_of(page).priority == "p3"


def test_many_tickets_and_many_rules_cost_the_queries_of_a_few(seeded):
    def run(n, *, prefix):
        pages = [v2_tweet(f"#BSNLSeva {prefix} {i} paise kat gaye in Pune") for i in range(n)]
        data = "\n".join(json.dumps(p) for p in pages).encode()
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            ingest_stream(io.BytesIO(data), batch_size=10_000)
        return len(captured.captured_queries)

    few = run(3, prefix="a")
    units = Department.objects.filter(code__startswith="BSNL")
    TriageRule.objects.bulk_create(
        TriageRule(
            department=unit, name=f"Rule {i}", cues=f"cue{i} word\nother{i}", priority="p2", category_id="billing"
        )
        for unit in units
        for i in range(50)
    )
    assert run(300, prefix="b") == few
