"""The report page in a real browser: an auditor shows November's report, exports it as CSV, XLSX
and PDF, downloads each and the test opens it (csv, openpyxl, pypdf) and reads what it says; a big
export's progress and download link appear without a reload; axe finds no WCAG 2.1 AA violation on
the page, in English and Hindi, with exports in every state and a refused form."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import User
from tests.browser.conftest import describe, focus_indicator_failures, switch_language
from tests.factories.exports import NOVEMBER, bsnl_tickets
from tickets.exports.models import ExportJob, ExportState
from tickets.exports.services import export_build, export_request

RECEIVED = 14  # November's BSNL tickets


@pytest.fixture
def november(seeded, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    bsnl_tickets(RECEIVED)


def show_november(page) -> None:
    page.goto("/desk/reports/")
    page.locator("#scope_department").select_option("BSNL")
    page.locator("#scope_start").fill(NOVEMBER["start"])
    page.locator("#scope_end").fill(NOVEMBER["end"])
    page.locator("form[method=get].report-form button[type=submit]").click()
    page.locator("#summary-heading").wait_for()


def export_and_download(page, fmt: str) -> bytes:
    page.locator("#export_format").select_option(fmt)
    page.locator("form[method=post].report-form button[type=submit]").click()
    page.wait_for_load_state()
    link = page.locator("#report-exports tr[data-state=ready] a.export-download").first
    with page.expect_download() as download:
        link.click()
    return download.value.path().read_bytes()


def rows_with(rows, *values) -> list:
    return [row for row in rows if all(value in row for value in values)]


def test_an_auditor_downloads_csv_xlsx_and_pdf_and_each_holds_the_report(november, signed_in_page):
    page = signed_in_page("auditor")
    page.locator("nav.desk-nav a[href='/desk/reports/']").click()
    show_november(page)
    figures = page.locator(".report-scopes tbody tr").first.inner_text()
    assert str(RECEIVED) in figures

    content = export_and_download(page, "csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows_with(rows, "BSNL", str(RECEIVED)), rows[:20]

    workbook = openpyxl.load_workbook(io.BytesIO(export_and_download(page, "xlsx")), read_only=True)
    cells = [list(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    assert rows_with(cells, "BSNL", RECEIVED), cells[:20]

    pdf = PdfReader(io.BytesIO(export_and_download(page, "pdf")))
    text = "\n".join(pdf_page.extract_text() for pdf_page in pdf.pages)
    assert "BSNL" in text
    assert str(RECEIVED) in text

    assert ExportJob.objects.filter(state=ExportState.READY).count() == 3
    assert page.console_errors == []


def test_a_big_exports_progress_and_download_link_appear_without_a_reload(november, settings, signed_in_page):
    settings.SEVA_EXPORT_INLINE_MAX_ROWS = 5
    page = signed_in_page("auditor")
    show_november(page)
    page.locator("#export_format").select_option("csv")
    page.locator("form[method=post].report-form button[type=submit]").click()
    page.locator("#report-exports tr[data-state=queued]").wait_for()
    assert page.locator("#report-exports progress").count() == 1

    export_build(job_id=ExportJob.objects.get().pk)  # as the worker does

    page.locator("#report-exports tr[data-state=ready] a.export-download").wait_for()
    assert page.console_errors == []


@pytest.fixture
def every_state(november):
    """The auditor's exports in each state the list draws."""
    auditor = User.objects.get(username="auditor")
    start, end = date.fromisoformat(NOVEMBER["start"]), date.fromisoformat(NOVEMBER["end"])
    export_request(user=auditor, department_code="BSNL", start=start, end=end, fmt="pdf")
    now = timezone.now()
    ExportJob.objects.create(requested_by=auditor, start=start, end=end, format="xlsx", rows_total=20_000)
    ExportJob.objects.create(
        requested_by=auditor,
        start=start,
        end=end,
        format="csv",
        state=ExportState.BUILDING,
        file_name="0" * 32 + ".csv",
        started_at=now,
        rows_done=7_000,
        rows_total=20_000,
    )
    ExportJob.objects.create(
        requested_by=auditor,
        start=start,
        end=end,
        format="json",
        state=ExportState.FAILED,
        failure_reason="The file took too long to build.",
        finished_at=now,
    )
    ExportJob.objects.create(
        requested_by=auditor,
        start=start - timedelta(days=30),
        end=end - timedelta(days=30),
        format="csv",
        state=ExportState.EXPIRED,
        sha256="a" * 64,
        size_bytes=1234,
        started_at=now,
        finished_at=now,
    )


@pytest.mark.parametrize("language", ["en", "hi"])
def test_the_report_page_has_no_wcag_21_aa_violation(every_state, signed_in_page, axe_violations, language):
    page = signed_in_page("auditor")
    if language != "en":
        switch_language(page, language)
    found = {}
    page.goto("/desk/reports/")
    if violations := axe_violations(page):
        found["empty"] = describe(violations)
    show_november(page)
    assert page.locator("html").get_attribute("lang") == language
    if violations := axe_violations(page):
        found["with the report and every export state"] = describe(violations)
    page.locator("#export_end").fill("2026-10-01")  # before the start: refused beside the field
    page.locator("form[method=post].report-form button[type=submit]").click()
    page.locator("#export_end_error").wait_for()
    if violations := axe_violations(page):
        found["refused export"] = describe(violations)
    assert not found, "\n\n".join(f"{name}:\n{text}" for name, text in found.items())


def test_every_element_on_the_report_page_shows_its_focus(every_state, signed_in_page):
    page = signed_in_page("auditor")
    show_november(page)

    assert focus_indicator_failures(page) == []
