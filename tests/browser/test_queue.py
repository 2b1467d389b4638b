"""The queue as it is worked in the browser: a ticket arriving while it is open shows at the top
without a reload, and a supervisor groups tickets into an incident from it and resolves them all at
once, each citizen told on X."""

import re

import pytest

from ingestion.delivery import replies_send_due
from tickets.lifecycle import Status
from tickets.models import Delivery, Incident, IncidentStatus, MessageKind

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

# The queue asks for arrivals every 5 s (templates/workspace/_queue_poll.html): one poll and some.
ARRIVAL_WAIT_MS = 8_000


def test_a_ticket_that_arrives_while_the_queue_is_open_appears_at_its_top_without_a_reload(
    signed_in_page, demo_ticket
):
    demo_ticket("@BSNLCorporate no dial tone in Aluva #BSNLSeva")
    page = signed_in_page("officer")
    expect(page.locator("#queue-rows tr[data-open-url]")).to_have_count(1)
    loads = []
    page.on("load", lambda _: loads.append(page.url))

    arrived = demo_ticket("@BSNLCorporate broadband down since morning in Thrissur #BSNLSeva")

    row = page.locator("#queue-rows tr.arrived").filter(has=page.get_by_role("link", name=arrived.number))
    expect(row).to_be_visible(timeout=ARRIVAL_WAIT_MS)
    expect(page.locator("#queue-rows tr[data-open-url]").first).to_contain_text(arrived.number)
    expect(row.locator(".badge-small.badge-new")).to_be_visible()
    # Said to a screen reader too, in the page's live region.
    expect(page.locator("#queue-announce")).to_contain_text("1 new ticket at the top of the queue.")
    assert loads == [], "the page was reloaded"
    expect(page.locator("#queue-rows tr[data-open-url]")).to_have_count(2)
    assert page.console_errors == []


def test_a_supervisor_puts_tickets_into_a_new_incident_from_the_queue_and_resolves_it_telling_each_citizen(
    signed_in_page, demo_ticket, fake_x
):
    citizens = [("asha_kochi", "3000000201"), ("ravi_aluva", "3000000202"), ("meera_kakkanad", "3000000203")]
    texts = [
        "@BSNLCorporate fibre cut on MG Road, no internet at home #BSNLSeva",
        "@BSNLCorporate my landline has been dead two days near Aluva market #BSNLSeva",
        "@BSNLCorporate mobile data not working at Infopark since noon #BSNLSeva",
    ]
    tickets = [demo_ticket(text, author=author, x=fake_x) for text, author in zip(texts, citizens, strict=True)]
    untouched = demo_ticket("@BSNLCorporate bill shows a wrong amount this month #BSNLSeva")
    assert all(ticket.incident_id is None for ticket in [*tickets, untouched])
    page = signed_in_page("supervisor")

    for ticket in tickets:
        page.get_by_label(f"Select {ticket.number}").check()
    page.get_by_label("Incident", exact=True).select_option(label="A new incident, titled:")
    page.get_by_label("Title of a new incident").fill("Cable cut at the Kaloor exchange")
    page.get_by_role("button", name="Put into incident").click()

    page.wait_for_url(re.compile(r"/desk/incidents/\d+/$"))
    expect(page.get_by_role("heading", name="Cable cut at the Kaloor exchange", level=1)).to_be_visible()
    listed = page.locator("table.queue tbody tr")
    expect(listed).to_have_count(3)
    for ticket in tickets:
        expect(listed.filter(has=page.get_by_role("link", name=ticket.number))).to_be_visible()
    incident = Incident.objects.get(title="Cable cut at the Kaloor exchange")
    assert {t.number for t in incident.tickets.all()} == {t.number for t in tickets}

    note = "The cable at the Kaloor exchange is spliced; service is back."
    page.get_by_label("Resolution, posted to each citizen").fill(note)
    page.get_by_role("button", name="Resolve the incident and its tickets").click()
    expect(page.locator(".page-head .badge")).to_have_text("Resolved")
    expect(page.get_by_role("heading", name="Resolution", level=2)).to_be_visible()
    expect(page.locator("main")).to_contain_text(note)
    for ticket in tickets:
        expect(listed.filter(has=page.get_by_role("link", name=ticket.number)).locator(".badge")).to_have_text(
            "Resolved"
        )

    # The outbox sender posts what the resolution queued (the worker's task does this in production).
    replies_send_due()
    for ticket in tickets:
        citizen_tweet = str(ticket.messages.get(kind=MessageKind.TWEET).tweet_id)
        told = [post for post in fake_x.posted if post.in_reply_to_tweet_id == citizen_tweet and note in post.text]
        assert len(told) == 1, f"{ticket.number}'s citizen was told {len(told)} times"
        assert ticket.number in told[0].text
    assert not any(untouched.number in post.text and note in post.text for post in fake_x.posted)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED
        assert ticket.resolution_note == note
        resolution = ticket.messages.get(kind=MessageKind.INCIDENT_RESOLUTION)
        assert resolution.delivery == Delivery.SENT
    untouched.refresh_from_db()
    assert untouched.status != Status.RESOLVED
    assert untouched.incident_id is None
    assert page.console_errors == []
