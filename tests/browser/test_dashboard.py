"""The dashboard in a real browser: it redraws itself when a ticket arrives (no reload), every
figure stays a link, and axe-core finds no WCAG 2.1 AA violation on it in English and Hindi, with
a period of dates chosen and a map with figures."""

import pytest

from tests.browser.conftest import describe, switch_language
from tests.factories.tickets import ticket_of

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def received_tile(page):
    return page.locator(".stat-tiles .stat").filter(has=page.locator(".stat-label", has_text="Received"))


def test_the_dashboard_updates_by_itself_when_a_ticket_arrives(seeded, signed_in_page):
    ticket_of("BSNL", unit="BSNL_MH")
    page = signed_in_page("supervisor")
    page.goto("/desk/dashboard/")
    tile = received_tile(page).locator(".stat-value")
    assert tile.inner_text() == "1"
    page.evaluate("window.dashboardNotReloaded = true")

    ticket_of("BSNL", unit="BSNL_KL")
    # Polled every 4 s: within the timeout, without a reload (the mark set on the window stays).
    expect(tile).to_have_text("2", timeout=10_000)
    assert page.evaluate("window.dashboardNotReloaded") is True
    assert "created_after=" in received_tile(page).locator("a").get_attribute("href")
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["en", "hi"])
def test_the_dashboard_has_no_wcag_21_aa_violation(seeded, signed_in_page, axe_violations, language):
    for unit in ("BSNL_MH", "BSNL_KL", "BSNL_UP", None):
        ticket_of("BSNL", unit=unit)
    page = signed_in_page("supervisor")
    if language != "en":
        switch_language(page, language)
    found = {}
    for name, url in {
        "today": "/desk/dashboard/",
        "this month": "/desk/dashboard/?period=month",
        "dates, refused": "/desk/dashboard/?period=range&start=2026-12-09&end=2026-12-01",
    }.items():
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language
        if violations := axe_violations(page):
            found[name] = describe(violations)
    assert not found, "\n\n".join(f"{name}:\n{text}" for name, text in found.items())
    assert page.console_errors == []
