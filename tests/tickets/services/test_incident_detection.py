"""Surges detected at intake, through the real ingestion pipeline (the file door: inbox_store, then
the pipeline in batches), among ordinary traffic from the tweet generator."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from devtools.tweet_generator import TweetGenerator
from tests.ingestion.factories import BSNL, next_id
from tickets.models import AuditEvent, EventKind, Incident, IncidentStatus, Ticket, TicketMessage
from tickets.triage.surge import similarity, text_words

START = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)

# One outage in Pune, told in English, Devanagari Hindi and Hinglish, in the citizens' own words.
SURGE_TEXTS = [
    "@BSNLCorporate Pune: BSNL network down since 10am, no calls no internet at Kothrud #BSNLSeva",
    "#BSNLSeva total network outage in Pune Kothrud, no calls and no internet since morning",
    "BSNL network down in Pune, cannot make calls, internet not working #BSNLSeva",
    "Pune Kothrud BSNL network gone, no internet, no calls since 10 am @BSNLCorporate",
    "#BSNLSeva Pune कोथरूड में बीएसएनएल नेटवर्क डाउन है, कॉल और इंटरनेट नहीं चल रहा",
    "Pune में सुबह से बीएसएनएल नेटवर्क डाउन, न कॉल न इंटरनेट #BSNLSeva",
    "#BSNLSeva Pune Kothrud me network down hai, call aur internet nahi chal raha",
    "Pune me subah se BSNL network down, na call na internet @BSNLCorporate",
]


def page(text: str, *, author: tuple[str, str], at: datetime) -> dict:
    tweet_id = next_id()
    tweet = {
        "id": tweet_id,
        "text": text,
        "author_id": author[1],
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "conversation_id": tweet_id,
        "lang": "hi" if any("\u0900" <= c <= "\u097f" for c in text) or " hai" in text else "en",
        "edit_history_tweet_ids": [tweet_id],
    }
    if "@BSNLCorporate" in text:
        start = text.find("@BSNLCorporate")
        tweet["entities"] = {"mentions": [{"start": start, "end": start + 14, "username": BSNL[0], "id": BSNL[1]}]}
    return {"data": [tweet], "includes": {"users": [{"id": author[1], "username": author[0], "name": author[0]}]}}


def surge_pages(count: int, *, minutes: int = 20, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    pages = []
    for n in range(count):
        text = rnd.choice(SURGE_TEXTS)
        if rnd.random() < 0.3:
            text += rnd.choice([" please help", " plz fix", "!!!", " कृपया जल्दी ठीक करें", " 3 ghante ho gaye"])
        at = START + timedelta(seconds=rnd.uniform(0, minutes * 60))
        pages.append(page(text, author=(f"pune_citizen{n}", str(4_000_000_000 + n)), at=at))
    return sorted(pages, key=lambda p: p["data"][0]["created_at"])


def ordinary_pages(count: int) -> list[dict]:
    generator = TweetGenerator(seed=3, start=START, now=lambda: START + timedelta(hours=1))
    return list(generator.pages(count))


def tickets_of(pages: list[dict]) -> set[int]:
    ids = [int(p["data"][0]["id"]) for p in pages]
    return set(TicketMessage.objects.filter(tweet_id__in=ids).values_list("ticket_id", flat=True))


def mixed(surge: list[dict], ordinary: list[dict]) -> list[dict]:
    return sorted(surge + ordinary, key=lambda p: p["data"][0]["created_at"])


@pytest.mark.django_db(transaction=False)
def test_a_surge_of_similar_tweets_from_one_unit_becomes_one_incident(ingest_lines):
    surge, ordinary = surge_pages(200), ordinary_pages(900)
    ingest_lines(*mixed(surge, ordinary), batch_size=50)

    surge_tickets, ordinary_tickets = tickets_of(surge), tickets_of(ordinary)
    assert len(surge_tickets) == 200
    holding = {}
    for incident_id, ticket_id in Ticket.objects.filter(incident__isnull=False).values_list("incident_id", "id"):
        holding.setdefault(incident_id, set()).add(ticket_id)
    surge_incident = max(holding, key=lambda i: len(holding[i] & surge_tickets))
    members = holding[surge_incident]
    assert len(members & surge_tickets) >= 0.95 * 200
    assert len(members & ordinary_tickets) <= 5
    # No other incident took a share of the surge.
    assert sum(len(m & surge_tickets) for i, m in holding.items() if i != surge_incident) == 0

    incident = Incident.objects.get(pk=surge_incident)
    assert (incident.department.code, incident.unit.code, incident.status) == ("BSNL", "BSNL_MH", IncidentStatus.OPEN)
    assert incident.opened_by is None
    # Its place, the category most of its tickets were given, and the words they share.
    assert incident.title.startswith("BSNL Maharashtra Circle · ")
    assert incident.category_id is not None
    assert incident.category.name_en in incident.title
    assert "network" in incident.title
    # Each ticket says how it got there: opened with the incident, or joined it later.
    kinds = set(
        AuditEvent.objects.filter(
            ticket_id__in=members, kind__in=[EventKind.INCIDENT_OPENED, EventKind.INCIDENT_JOINED]
        ).values_list("ticket_id", flat=True)
    )
    assert kinds == members


def test_ordinary_traffic_opens_no_incident(ingest_lines):
    """The generator's everyday complaints repeat a few phrasings, but each is a share of its unit's traffic."""
    ingest_lines(*ordinary_pages(900), batch_size=50)
    assert not Incident.objects.exists()


def test_a_few_similar_tweets_are_not_a_surge(ingest_lines):
    ingest_lines(*surge_pages(6), batch_size=50)
    assert not Incident.objects.exists()


def test_later_matching_tickets_join_the_open_incident(ingest_lines):
    first = surge_pages(60, minutes=10)
    ingest_lines(*first, batch_size=100)
    incident = Incident.objects.get()
    later = [page(SURGE_TEXTS[6], author=("late_one", "4100000001"), at=START + timedelta(minutes=50))]
    ingest_lines(*later)
    ticket = Ticket.objects.get(pk=next(iter(tickets_of(later))))
    assert ticket.incident_id == incident.pk
    assert AuditEvent.objects.filter(ticket=ticket, kind=EventKind.INCIDENT_JOINED).exists()


def test_a_usual_rate_raises_the_bar(ingest_lines):
    """A unit that always gets many such tweets does not open an incident for a dozen more."""
    from tickets.models import IncidentBaseline

    ingest_lines(*surge_pages(6), batch_size=50)
    IncidentBaseline.objects.filter(scope_department__code="BSNL_MH").update(level=100_000)
    ingest_lines(*surge_pages(40, seed=11), batch_size=50)
    assert not Incident.objects.exists()


def test_detection_costs_the_same_queries_whatever_the_batch(seeded):
    import io
    import json

    from ingestion.files import ingest_stream

    def run(pages):
        data = "\n".join(json.dumps(p) for p in pages).encode()
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            ingest_stream(io.BytesIO(data), batch_size=10_000)
        return len(captured.captured_queries)

    assert run(surge_pages(3, seed=1)) == run(surge_pages(150, seed=2))
    assert Incident.objects.count() == 1


def test_hindi_in_both_scripts_shares_its_words():
    devanagari = text_words("Pune में बीएसएनएल नेटवर्क डाउन, इंटरनेट नहीं")
    hinglish = text_words("Pune me BSNL network down, internet nahi")
    assert similarity(devanagari, hinglish) >= 0.6
