"""One row per ticket, with every hop, in every format; only the tickets the reader may report on."""

import csv
import hashlib
import io
import zipfile

import openpyxl
import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Role
from tests.factories.tickets import staff, ticket_of
from tests.tickets.reports.conftest import NOVEMBER, NOW, ist, user
from tickets.lifecycle import Status
from tickets.models import Escalation
from tickets.reports import row_parts
from tickets.reports.ticket_rows import TICKET_KEYS
from tickets.reports.writer import report_file_write

pytestmark = pytest.mark.django_db


def written(fmt: str, *, reader=None, department_code: str | None = "BSNL", language: str = "en", **kwargs):
    out = io.BytesIO()
    result = report_file_write(
        user=reader or user("auditor"),
        department_code=department_code,
        fmt=fmt,
        out=out,
        language=language,
        now=NOW,
        **NOVEMBER,
        **kwargs,
    )
    return result, out.getvalue()


def csv_tickets(content: bytes) -> list[dict]:
    """The Tickets section of an English CSV export, as dicts by column key."""
    return csv_tickets_in(content.decode("utf-8-sig"), title="Tickets")


def test_a_transferred_ticket_holds_every_hop(month):
    _, content = written("csv")
    row = next(row for row in csv_tickets(content) if row["number"] == month.transferred.number)
    assert (row["department_at_intake"], row["unit_at_intake"], row["department"], row["unit"]) == (
        "POSTS",
        "",
        "BSNL",
        "",
    )
    assert (row["received_at"], row["first_response_at"], row["resolved_at"]) == (
        "2026-11-02 10:00:00",
        "2026-11-03 10:00:00",
        "2026-11-04 10:00:00",
    )
    assert (row["first_response_business_hours"], row["resolution_business_hours"]) == ("7.5", "15")
    assert (row["first_response_target"], row["resolution_target"]) == ("missed", "met")
    assert (row["assignments_count"], row["assignments"].split("\n")) == (
        "2",
        ["bsnl_officer 2026-11-02 11:30 → 2026-11-03 09:50", "bsnl_supervisor 2026-11-03 09:50 → …"],
    )
    # The reason's line break is folded: one hop, one line.
    assert (row["transfers_count"], row["transfers"]) == (
        "1",
        "POSTS → BSNL 2026-11-02 11:00: A telecom fault, not a postal one",
    )
    assert (row["escalations_count"], row["escalations"].split("\n")) == (
        "2",
        [
            "L1 2026-11-02 18:01 → BSNL, acknowledged by bsnl_supervisor 2026-11-03 09:31",
            "L2 2026-11-04 09:00 → BSNL, not acknowledged",
        ],
    )
    assert (row["replies_sent"], row["replies_failed"]) == ("1", "1")
    assert row["replies"].split("\n") == [
        "Acknowledgement 2026-11-02 10:01, Failed: 403 not allowed",
        "Reply 2026-11-03 10:00, Sent 2026-11-03 10:01, by bsnl_officer",
    ]
    assert (row["rating"], row["rated_at"]) == ("2", "2026-11-05 12:00:00")


def test_the_appeal_and_the_open_and_rejected_tickets(month):
    rows = {row["number"]: row for row in csv_tickets(written("csv")[1])}
    weekend = rows[month.weekend.number]
    assert weekend["escalations"] == "L3 (appeal) 2026-11-13 12:00 → MOC, not acknowledged"
    assert (weekend["first_response_business_hours"], weekend["resolution_business_hours"]) == ("5.5", "20")
    assert (weekend["first_response_target"], weekend["resolution_target"], weekend["rating"]) == ("met", "met", "1")
    open_late = rows[month.open_late.number]
    assert (open_late["unit_at_intake"], open_late["unit"], open_late["status"]) == (
        "BSNL_KL",
        "BSNL_KL",
        "In progress",
    )
    assert (open_late["first_response_target"], open_late["first_response_at"], open_late["rating"]) == (
        "missed",
        "",
        "",
    )
    rejected = rows[month.rejected.number]
    assert (rejected["status"], rejected["first_response_target"]) == ("Rejected", "not counted (closed unanswered)")


def test_rows_are_the_tickets_received_in_the_period_in_arrival_order(month):
    result, content = written("csv")
    numbers = [row["number"] for row in csv_tickets(content)]
    received = [month.transferred, month.weekend, month.open_late, month.rejected]
    assert numbers == [ticket.number for ticket in sorted(received, key=lambda ticket: ticket.id)]
    assert result.ticket_rows == result.report.total.received == 4


def test_xlsx_has_the_same_rows_typed(month):
    result, content = written("xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames[0] == "Summary"
    assert workbook.sheetnames[-1] == "Tickets"
    sheet = workbook["Tickets"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[0] == "Ticket"
    assert len(header) == len(TICKET_KEYS)
    by_number = {row[0]: dict(zip(TICKET_KEYS, row, strict=True)) for row in rows}
    row = by_number[month.transferred.number]
    assert row["received_at"].isoformat() == "2026-11-02T10:00:00"
    assert (row["first_response_business_hours"], row["transfers_count"], row["rating"]) == (7.5, 1, 2)
    assert row["department_at_intake"] == "POSTS"
    assert len(row["escalations"].split("\n")) == 2
    assert result.ticket_rows == len(rows) == 4


def test_json_has_the_summary_and_the_rows(month):
    result, content = written("json")
    body = orjson.loads(content)
    assert body["rows"][1]["code"] == "BSNL"
    row = next(row for row in body["tickets"] if row["number"] == month.transferred.number)
    assert row["received_at"] == "2026-11-02T10:00:00+05:30"
    assert row["assignments"] == [
        "bsnl_officer 2026-11-02 11:30 → 2026-11-03 09:50",
        "bsnl_supervisor 2026-11-03 09:50 → …",
    ]
    assert (row["unit_at_intake"], row["resolution_business_hours"]) == (None, 15.0)
    assert len(body["tickets"]) == result.ticket_rows == 4


def test_the_file_is_hashed_and_counted_as_written(month):
    import hashlib

    result, content = written("csv")
    assert (result.size_bytes, result.sha256) == (len(content), hashlib.sha256(content).hexdigest())


def test_progress_is_told_every_few_rows_and_at_the_end(month, monkeypatch):
    monkeypatch.setattr("tickets.reports.writer.PROGRESS_EVERY", 2)
    for fmt in ("csv", "xlsx", "json"):
        seen = []
        written(fmt, on_progress=lambda done, total, seen=seen: seen.append((done, total)))
        assert seen == [(2, 4), (4, 4), (4, 4)], fmt


@pytest.mark.parametrize(
    ("reader", "department_code", "expected"),
    [
        ("bsnl_supervisor", None, {"weekend", "transferred", "open_late", "rejected"}),
        ("kerala_auditor", "BSNL_KL", {"open_late"}),
        ("posts_supervisor", "POSTS", {"posts"}),  # the ticket it sent to BSNL is no longer its own
        ("auditor", None, {"weekend", "transferred", "open_late", "rejected", "posts"}),
    ],
)
def test_nobody_gets_rows_outside_their_scope(month, reader, department_code, expected):
    readers = {
        "kerala_auditor": lambda: staff("BSNL_KL", Role.AUDITOR),
        "posts_supervisor": lambda: staff("POSTS", Role.SUPERVISOR),
    }
    who = readers[reader]() if reader in readers else user(reader)
    numbers = {row["number"] for row in csv_tickets(written("csv", reader=who, department_code=department_code)[1])}
    assert numbers == {getattr(month, name).number for name in expected}


def test_an_officer_gets_no_file(month):
    from django.core.exceptions import PermissionDenied

    out = io.BytesIO()
    with pytest.raises(PermissionDenied):
        report_file_write(user=user("bsnl_officer"), department_code="BSNL", fmt="csv", out=out, **NOVEMBER)
    assert out.getvalue() == b""


def test_an_unknown_format_is_refused_before_anything_is_written(month):
    out = io.BytesIO()
    with pytest.raises(ValueError, match="docx"):
        report_file_write(user=user("auditor"), department_code="BSNL", fmt="docx", out=out, **NOVEMBER)
    assert out.getvalue() == b""


def test_a_hindi_reader_gets_hindi_headers_labels_and_names(month):
    _, content = written("csv", language="hi")
    text = content.decode("utf-8-sig")
    assert "टिकट,आवक पर विभाग,आवक पर इकाई" in text  # the Tickets section's header
    assert "भारत संचार निगम लिमिटेड" in text  # BSNL's Hindi name
    rows = csv_tickets_in(text, title="टिकट")
    transferred = next(row for row in rows if row["number"] == month.transferred.number)
    assert (transferred["first_response_target"], transferred["resolution_target"]) == ("चूक गया", "पूरा हुआ")
    assert transferred["escalations"].endswith("पावती नहीं दी गई")


def test_a_hindi_pdf_embeds_a_devanagari_font(month):
    result, content = written("pdf", language="hi")
    assert content.startswith(b"%PDF")
    assert b"Devanagari" in content
    assert result.ticket_rows == 4


def csv_tickets_in(text: str, *, title: str) -> list[dict]:
    """The section titled `title` (the Tickets one, in the file's language), as dicts by column key."""
    lines = list(csv.reader(io.StringIO(text)))
    start = next(index for index, row in enumerate(lines) if row == [title])
    return [dict(zip(TICKET_KEYS, row, strict=True)) for row in lines[start + 2 :]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_file_costs_the_same_queries_however_many_tickets(month, fmt):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            written(fmt)
        return len(captured)

    before = queries()
    for index in range(6):
        ticket = ticket_of("BSNL", status=Status.NEW, created_at=ist(11, 20 + index, 10))
        Escalation.objects.create(
            ticket=ticket, level=1, notify_department=ticket.department, raised_at=ist(11, 20 + index, 12)
        )
    assert queries() == before


# A big CSV's or XLSX's rows read in parallel (tickets/reports/row_parts.py). These tests commit their
# tickets: the parts' connections read the report's snapshot, which never holds another
# transaction's uncommitted rows.


@pytest.fixture
def parts_started(monkeypatch):
    """The parts each report started (None where it copied in one piece)."""
    from tickets.reports import writer

    started = []

    def start(scope, *, fmt):
        parts = row_parts.ticket_rows_parts_start(scope, fmt=fmt)
        started.append(parts)
        return parts

    monkeypatch.setattr(writer, "ticket_rows_parts_start", start)
    return started


def tickets_in(fmt: str, content: bytes) -> list:
    return csv_tickets(content) if fmt == "csv" else orjson.loads(content)["tickets"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_big_file_read_in_parts_is_the_file_one_read_gives(month, settings, parts_started, fmt):
    settings.SEVA_EXPORT_PARALLEL_MIN_ROWS = 3
    settings.SEVA_EXPORT_PARALLEL_PARTS = 1
    one_piece, whole = written(fmt, department_code=None)
    settings.SEVA_EXPORT_PARALLEL_PARTS = 3
    in_parts, parted = written(fmt, department_code=None)

    assert parts_started[0] is None
    assert parts_started[1] is not None
    assert len(parts_started[1]._parts) == 3
    assert parted == whole
    assert in_parts.ticket_rows == one_piece.ticket_rows == len(tickets_in(fmt, whole)) >= 3
    assert in_parts.sha256 == hashlib.sha256(parted).hexdigest()


def tickets_sheet_xml(content: bytes) -> bytes:
    """The Tickets sheet's part of a workbook (the zip's entries carry the time they were written)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        index = workbook.sheetnames.index("Tickets") + 1
        return archive.read(f"xl/worksheets/sheet{index}.xml")


@pytest.mark.django_db(transaction=True)
def test_a_big_xlsx_read_in_parts_has_the_sheet_one_read_gives(month, settings, parts_started):
    settings.SEVA_EXPORT_PARALLEL_MIN_ROWS = 3
    settings.SEVA_EXPORT_PARALLEL_PARTS = 1
    one_piece, whole = written("xlsx", department_code=None)
    settings.SEVA_EXPORT_PARALLEL_PARTS = 3
    in_parts, parted = written("xlsx", department_code=None)

    assert parts_started[0] is None
    assert len(parts_started[1]._parts) == 3
    assert tickets_sheet_xml(parted) == tickets_sheet_xml(whole)
    rows = list(openpyxl.load_workbook(io.BytesIO(parted))["Tickets"].iter_rows(min_row=2, values_only=True))
    assert in_parts.ticket_rows == one_piece.ticket_rows == len(rows) >= 3


@pytest.mark.django_db(transaction=True)
def test_a_small_csv_is_copied_in_one_piece(month, settings, parts_started):
    settings.SEVA_EXPORT_PARALLEL_PARTS = 3
    settings.SEVA_EXPORT_PARALLEL_MIN_ROWS = 1_000

    result, content = written("csv", department_code=None)

    assert parts_started == [None]
    assert result.ticket_rows == len(csv_tickets(content))


@pytest.mark.django_db(transaction=True)
def test_a_part_that_fails_fails_the_report(month, settings, monkeypatch):
    settings.SEVA_EXPORT_PARALLEL_MIN_ROWS = 3
    settings.SEVA_EXPORT_PARALLEL_PARTS = 3
    copy_out = row_parts.ticket_rows_copy_out
    calls = []

    def failing_second(cursor, sql, params, **kwargs):
        calls.append(sql)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return copy_out(cursor, sql, params, **kwargs)

    monkeypatch.setattr(row_parts, "ticket_rows_copy_out", failing_second)

    with pytest.raises(RuntimeError, match="the disk is full"):
        written("csv", department_code=None)
    with connection.cursor() as cursor:  # no part's connection is left behind
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY (WITH tickets%%'")
        assert cursor.fetchone()[0] == 0
