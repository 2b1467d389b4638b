"""Screenshots of the workspace for the README (docs/screenshots/): the queue, a ticket, the incidents,
the dashboard and the report page, in English and Hindi, on a desk-sized screen (1280x800), over a
demo-like day of tickets made as citizens' tweets make them.

Every run takes them and checks each is a whole page of the right size with nothing broken on it;
they are written into docs/screenshots/ only when SEVA_SCREENSHOTS=1 (`make screenshots`), so a test
run leaves the tree as it was. A page that is not there yet (the report page, before it is merged)
is left out rather than shot as an error."""

import os
import struct
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from departments.models import Department
from tests.browser.conftest import switch_language
from tests.ingestion.factories import BSNL, MINISTER, POSTS
from tickets.lifecycle import Status
from tickets.models import Feedback, Ticket
from tickets.services import ticket_claim, ticket_note, ticket_reply, ticket_transition
from tickets.services.incidents import incident_note_set, incident_open

SCREEN = {"width": 1280, "height": 800}
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
MTNL = ("MTNLOfficial", "1000004")

# Citizens' tweets of an ordinary morning: English, Hindi and Hinglish, to each department.
TWEETS = [
    ("@BSNLCorporate broadband down for a week in Kochi, no one picks up the complaint line #BSNLSeva", (BSNL,), "en"),
    ("@BSNLCorporate fibre cut in Kochi again, whole street without internet #BSNLSeva", (BSNL,), "en"),
    ("@BSNLCorporate Kochi fibre down since morning, office work stopped #BSNLSeva", (BSNL,), "en"),
    ("@BSNLCorporate लैंडलाइन तीन दिन से बंद है, लखनऊ #BSNLSeva", (BSNL,), "hi"),
    ("@BSNLCorporate money deducted twice for my recharge in Pune, please refund #BSNLSeva", (BSNL,), "en"),
    ("@BSNLCorporate Nagpur me network hi nahi aa raha 2 din se #BSNLSeva", (BSNL,), "en"),
    ("@MTNLOfficial landline dead in Dwarka for ten days #MTNLSeva", (MTNL,), "en"),
    ("@PostOfficeIndia speed post parcel not delivered for 12 days, tracking stuck #PostalSeva", (POSTS,), "en"),
    ("@manojsinhabjp mobile tower near my village has not worked for a month", (MINISTER,), "en"),
    ("@BSNLCorporate bill is wrong, charged for a plan I never took, Kanpur #BSNLSeva", (BSNL,), "en"),
]


# How long ago each ticket came (the first ten, then again for the next ten).
HOURS_AGO = [0, 1, 1, 2, 3, 5, 6, 8, 11, 20, 0, 2, 4, 4, 7, 9, 13, 15, 18, 22]


@pytest.fixture
def demo_day(seeded, demo_ticket):
    """A morning at BSNL and beyond: new, claimed, answered and resolved tickets, a rating, an incident."""
    from accounts.models import User

    officer = User.objects.get(username="bsnl_officer")
    supervisor = User.objects.get(username="bsnl_supervisor")
    tickets = [
        demo_ticket(text, mentions=mentions, lang=lang, author=(f"citizen_{n}", str(3_200_000_001 + n)), minutes=n * 7)
        for n, (text, mentions, lang) in enumerate(TWEETS * 2)
    ]
    # Spread over the last day, as a morning's queue is (the due times move with them): some now late.
    now = timezone.now()
    for n, ticket in enumerate(tickets):
        shift = timedelta(hours=HOURS_AGO[n % len(HOURS_AGO)], minutes=n * 3)
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=now - shift,
            first_response_due_at=F("first_response_due_at") - shift,
            resolution_due_at=F("resolution_due_at") - shift,
        )
    kochi, hindi, refund, nagpur, bill = tickets[0], tickets[3], tickets[4], tickets[5], tickets[9]
    for ticket in (hindi, refund, nagpur):
        ticket_claim(actor=officer, number=ticket.number)
    ticket_note(actor=officer, number=hindi.number, text="Called the Lucknow exchange: a cable fault on the pole.")
    ticket_reply(actor=officer, number=hindi.number, text="हमारे अभियंता कल आपके घर आएंगे। असुविधा के लिए खेद है।")
    ticket_transition(actor=officer, number=refund.number, to=Status.IN_PROGRESS)
    ticket_claim(actor=officer, number=bill.number)
    ticket_transition(
        actor=officer, number=bill.number, to=Status.RESOLVED, note="The plan is removed and the charge refunded."
    )
    Feedback.objects.create(ticket_id=bill.pk, rating=4, comment="Quick, thank you")
    bsnl = Department.objects.get(code="BSNL")
    incident = incident_open(
        actor=supervisor,
        department=bsnl,
        unit=kochi.unit,
        title="Fibre cut in Kochi",
        ticket_ids=[t.pk for t in tickets[:3] if t.unit_id == kochi.unit_id and t.incident_id is None],
    )
    incident_note_set(actor=supervisor, incident=incident, note="Engineers are on site; service back by evening.")
    lucknow = tickets[len(TWEETS) + 3]  # the Hindi landline's second telling
    if lucknow.incident_id is None:
        incident_open(
            actor=supervisor,
            department=bsnl,
            unit=lucknow.unit,
            title="लखनऊ एक्सचेंज में बिजली गुल",
            ticket_ids=[lucknow.pk],
        )
    return {"ticket": hindi.number}


PAGES = {
    "queue": ("/desk/", "supervisor"),
    "ticket": ("/desk/t/{ticket}/", "supervisor"),
    "incidents": ("/desk/incidents/", "supervisor"),
    "dashboard": ("/desk/dashboard/", "admin"),  # the ministry's view: every department
    # Built by another part of issue 10: shot once it answers.
    "report": ("/desk/reports/", "auditor"),
}


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header; fails on anything that is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("language", ["en", "hi"])
def test_screenshots_of_the_workspace(demo_day, signed_in_page, language, tmp_path):
    keep = os.environ.get("SEVA_SCREENSHOTS") == "1"
    folder = SCREENSHOTS if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    pages = {}
    shot = []
    for name, (url, role) in PAGES.items():
        if role not in pages:
            page = pages[role] = signed_in_page(role)
            page.set_viewport_size(SCREEN)
            if language != "en":
                switch_language(page, language)
        page = pages[role]
        response = page.goto(url.format(**demo_day))
        if name == "report" and response.status == 404:  # not on this branch yet
            page.console_errors.remove(f"404 GET {response.url}")
            continue
        assert response.status == 200, f"{name}: {response.status}"
        # Not "networkidle": the queue and the dashboard keep talking to the server by design.
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready.then(() => true)")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("main h1").first.is_visible()
        data = page.screenshot(path=folder / f"{name}-{language}.png", animations="disabled", caret="hide")
        assert png_size(data) == (SCREEN["width"], SCREEN["height"])
        shot.append(name)
    assert shot[:4] == ["queue", "ticket", "incidents", "dashboard"]
    for page in pages.values():
        assert page.console_errors == []
