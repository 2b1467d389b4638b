"""axe-core finds no WCAG 2.1 A or AA violation on the workspace's pages, in English and in Hindi,
with the states an officer meets on them: every status and priority on the queue, a thread with
replies queued, sent, failed and manual and an internal note, escalations waiting, the dashboard's
charts and posting budget, incidents open (with a public note, on the queue as a row) and resolved,
and a refused form; and on the installation's own pages (the public status page, two-factor sign-in)."""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from departments.models import Department
from tests.browser.conftest import describe, focus_indicator_failures, switch_language
from tests.factories.tickets import ticket_of
from tickets.lifecycle import Priority, Status
from tickets.models import Delivery, Direction, Escalation, MessageKind, TicketMessage
from tickets.services import ticket_note
from tickets.services.incidents import incident_note_set, incident_open, incident_resolve


@dataclass(frozen=True)
class Desk:
    number: str  # the ticket page's
    incident: int  # the open incident's, with a public note
    resolved: int  # a resolved incident's


@pytest.fixture
def busy_desk(seeded, demo_ticket):
    """BSNL's desk with something of everything the pages draw; returns the ticket and incident to open."""
    from accounts.models import User

    officer = User.objects.get(username="bsnl_officer")
    bsnl = Department.objects.get(code="BSNL")
    for status, priority in zip(Status.values, [*Priority.values, *Priority.values], strict=False):
        fields = {"assigned_to": officer} if status not in (Status.NEW, Status.REJECTED) else {}
        ticket_of("BSNL", status=status, priority=priority, subject=f"A ticket {status}", **fields)
    ticket = demo_ticket("@BSNLCorporate लैंडलाइन तीन दिन से बंद है #BSNLSeva", lang="hi")
    ticket_note(number=ticket.number, actor=officer, text="Called the exchange; a cable fault.")
    now = timezone.now()
    for delivery, text in [
        (Delivery.SENT, "Our engineer visits tomorrow."),
        (Delivery.FAILED, "A reply X refused."),
        (Delivery.MANUAL, "A reply to post by hand."),
    ]:
        TicketMessage.objects.create(
            ticket=ticket,
            direction=Direction.OUT,
            kind=MessageKind.REPLY,
            text=text,
            delivery=delivery,
            sent_by=officer,
            from_account=ticket.reply_account,
            tweet_id=1_999_000_000_000_000_000 + len(text) if delivery == Delivery.SENT else None,
            sent_at=now if delivery == Delivery.SENT else None,
            last_error="duplicate content" if delivery == Delivery.FAILED else "",
        )
    Escalation.objects.create(ticket=ticket, level=2, notify_department=bsnl)
    late = ticket_of("BSNL", priority=Priority.P1, subject="No dial tone at the hospital")
    Escalation.objects.create(ticket=late, level=3, notify_department=bsnl)
    supervisor = User.objects.get(username="bsnl_supervisor")
    grouped = [ticket_of("BSNL", subject=f"Fibre cut, street {n}") for n in range(3)]
    incident = incident_open(
        actor=supervisor, department=bsnl, unit=None, title="Fibre cut in Kochi", ticket_ids=[t.pk for t in grouped]
    )
    incident_note_set(actor=supervisor, incident=incident, note="Engineers are on site; service back by evening.")
    done = incident_open(
        actor=supervisor,
        department=bsnl,
        unit=None,
        title="Exchange power failure",
        ticket_ids=[ticket_of("BSNL", subject="No line since the power cut").pk],
    )
    incident_resolve(actor=supervisor, incident=done, note="Power restored at the exchange.")
    return Desk(number=ticket.number, incident=incident.pk, resolved=done.pk)


PAGES = {
    "queue": "/desk/",
    "ticket": "/desk/t/{number}/",
    "escalations": "/desk/escalations/",
    "dashboard": "/desk/dashboard/",
    "incidents": "/desk/incidents/",
    "resolved incidents": "/desk/incidents/?status=resolved",
    "incident": "/desk/incidents/{incident}/",
    "resolved incident": "/desk/incidents/{resolved}/",
    # The daily digest's choice for a supervisor; for an officer, why it is not theirs.
    "settings": "/desk/settings/",
}

# The dashboard is for supervisors, auditors and the ministry: an officer is refused it.
SUPERVISORS_ONLY = {"dashboard"}

WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 375, "height": 800}  # a desk, a phone


@pytest.mark.parametrize(
    ("role", "language", "screen"),
    [
        ("officer", "en", WIDE),
        ("officer", "hi", WIDE),
        ("supervisor", "en", WIDE),
        ("supervisor", "hi", WIDE),
        # The queue's table becomes cards on a phone; the supervisor's pages have the most on them.
        ("officer", "hi", NARROW),
        ("supervisor", "en", NARROW),
    ],
    ids=["officer-en", "officer-hi", "supervisor-en", "supervisor-hi", "officer-hi-phone", "supervisor-en-phone"],
)
def test_the_workspace_pages_have_no_wcag_21_aa_violation(
    busy_desk, signed_in_page, axe_violations, role, language, screen
):
    page = signed_in_page(role)
    page.set_viewport_size(screen)
    if language != "en":
        switch_language(page, language)
    found = {}
    for name, url in PAGES.items():
        if name in SUPERVISORS_ONLY and role == "officer":
            continue
        page.goto(url.format(number=busy_desk.number, incident=busy_desk.incident, resolved=busy_desk.resolved))
        assert page.locator("html").get_attribute("lang") == language
        if violations := axe_violations(page):
            found[name] = describe(violations)
    assert not found, "\n\n".join(f"{name}:\n{text}" for name, text in found.items())
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["en", "hi"])
def test_a_refused_form_and_the_sign_in_page_have_no_wcag_21_aa_violation(
    busy_desk, new_page, sign_in, axe_violations, language
):
    page = new_page()
    page.goto("/desk/login/")
    if language != "en":
        switch_language(page, language)
    page.locator("button[type=submit].button").click()  # nothing filled in
    found = {}
    if violations := axe_violations(page):
        found["sign-in, refused"] = describe(violations)
    sign_in(page, "officer")
    page.goto(f"/desk/t/{busy_desk.number}/")
    page.locator("#action-reply button[type=submit]").click()  # an empty reply is refused beside the box
    page.locator("#action-reply .form-error, #action-reply .field-errors").first.wait_for()
    if violations := axe_violations(page):
        found["ticket, reply refused"] = describe(violations)
    assert not found, "\n\n".join(f"{name}:\n{text}" for name, text in found.items())


@pytest.mark.parametrize(("language", "installation"), [("en", "Government of India"), ("hi", "भारत सरकार")])
def test_the_installations_own_pages_have_no_wcag_21_aa_violation(
    busy_desk, new_page, sign_in, axe_violations, language, installation
):
    # The public status page and the sign-in's two-factor page serve every ministry: they name the
    # installation, not one ministry.
    page = new_page()
    page.goto("/status/")
    if language != "en":
        switch_language(page, language)
    found = {}
    for name, url in (("status lookup", "/status/"), ("status", f"/status/{busy_desk.number}/")):
        page.goto(url)
        assert page.locator(".brand-tagline").inner_text() == installation
        if violations := axe_violations(page):
            found[name] = describe(violations)
    sign_in(page, "officer")
    page.goto("/accounts/2fa/")
    assert page.locator(".brand-tagline").inner_text() == installation
    if violations := axe_violations(page):
        found["two-factor"] = describe(violations)
    assert not found, "\n\n".join(f"{name}:\n{text}" for name, text in found.items())
    assert page.console_errors == []


def test_every_element_reached_by_tab_shows_its_focus_at_3_to_1(busy_desk, signed_in_page):
    page = signed_in_page("supervisor")  # the supervisor's pages have every control the officer's have
    found = {}
    for name, url in PAGES.items():
        page.goto(url.format(number=busy_desk.number, incident=busy_desk.incident, resolved=busy_desk.resolved))
        if failures := focus_indicator_failures(page):
            found[name] = failures
    assert not found, "\n".join(f"{name}: {failure}" for name, failures in found.items() for failure in failures)
