"""An officer works a ticket in the browser, by the keyboard: signs in, finds it on the queue, opens
it, replies with a canned response and resolves it; the reply reaches X."""

import re

import pytest

from ingestion.delivery import replies_send_due
from tests.browser.conftest import tab_to
from tickets.lifecycle import Status
from tickets.models import Delivery, MessageKind

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def test_an_officer_opens_a_ticket_from_the_queue_replies_with_a_canned_response_and_resolves_it(
    signed_in_page, demo_ticket, fake_x
):
    text = "@BSNLCorporate landline dead since Monday in Ernakulam #BSNLSeva"
    ticket = demo_ticket(text, author=("asha_kochi", "3000000101"), x=fake_x)
    page = signed_in_page("officer")

    expect(page.get_by_role("heading", name="Queue", level=1)).to_be_visible()
    row_link = page.get_by_role("link", name=ticket.number)
    expect(row_link).to_be_visible()
    # Reached by Tab and opened with Enter, as an officer without a mouse does (the next test uses
    # the queue's j/k/o shortcuts).
    tab_to(page, row_link)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/desk/t/{ticket.number}/")
    expect(page.get_by_role("heading", name=ticket.number, level=1)).to_be_visible()

    page.get_by_label("Insert a canned response").select_option(label="Acknowledged, working on it · BSNL")
    reply_box = page.get_by_label("Your reply")
    # The canned text arrives filled in with the citizen and the ticket's number.
    expect(reply_box).to_have_value(re.compile(rf"^Dear @asha_kochi, your complaint {ticket.number} is with our team"))
    page.get_by_role("button", name="Send reply").click()

    thread = page.locator(".thread")
    reply = thread.locator(".thread-out").filter(has_text=f"your complaint {ticket.number} is with our team")
    expect(reply).to_be_visible()
    expect(reply.locator(".delivery")).to_have_text("Queued")
    expect(page.get_by_label("Your reply")).to_have_value("")

    page.get_by_label("New status").select_option(label="Resolved")
    page.get_by_label("Note or reason").fill("Cable spliced at the Kaloor exchange.")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".ticket-head .badge").first).to_contain_text("Resolved")
    expect(page.locator(".facts")).to_contain_text("Cable spliced at the Kaloor exchange.")

    # The outbox sender posts what the officer queued (the worker's task does this in production).
    replies_send_due()
    posted = {post.text for post in fake_x.posted}
    assert any(f"your complaint {ticket.number} is with our team" in text for text in posted)
    page.reload()
    expect(reply.locator(".delivery")).to_have_text("Sent")
    expect(reply.get_by_role("link", name="Open on X")).to_be_visible()

    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    sent = ticket.messages.get(kind=MessageKind.REPLY, text__contains="is with our team")
    assert sent.delivery == Delivery.SENT
    assert page.console_errors == []


def test_an_officer_moves_down_the_queue_with_j_and_opens_the_ticket_with_o(signed_in_page, demo_ticket):
    tickets = {
        demo_ticket("@BSNLCorporate no dial tone in Aluva #BSNLSeva").number,
        demo_ticket("@BSNLCorporate broadband slow in Kakkanad #BSNLSeva").number,
    }
    page = signed_in_page("officer")
    rows = page.locator("#queue-rows tr[data-open-url]")
    expect(rows).to_have_count(2)
    # The queue is in urgency order: the second row is whichever is due later, read from the page.
    top, second = (rows.nth(index).locator(".row-link").inner_text().strip() for index in (0, 1))
    assert {top, second} == tickets
    # The first "j" chooses the top row (none is chosen when the queue opens), the second moves below.
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bis-current\b"))
    expect(rows.nth(0)).not_to_have_class(re.compile(r"\bis-current\b"))
    expect(rows.nth(1).locator(".row-link")).to_be_focused()
    page.keyboard.press("o")
    page.wait_for_url(f"**/desk/t/{second}/")
    expect(page.get_by_role("heading", name=second, level=1)).to_be_visible()
    assert page.console_errors == []
