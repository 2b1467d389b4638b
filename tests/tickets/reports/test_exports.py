"""The accountability report's exports: the period and scope checks, the files' shapes (sections,
sheets, charts, pages, fonts), formula cells defused, the EXPORTED event each export writes, a query
count that does not grow with the tickets, the API and the `export_report` command. The figures and
the ticket rows are checked against a hand-built month in test_figures.py and test_ticket_rows.py."""

import codecs
import csv
import hashlib
import io
import zipfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import orjson
import pytest
import schemathesis
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import CommandError, call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.services import api_token_issue
from departments.models import Department, Role
from tests.factories.tickets import department, staff, ticket_of
from tickets.audit import ChainBreak, audit_chain_verify
from tickets.lifecycle import Status
from tickets.models import AuditEvent, Category, Escalation, EventKind, Feedback, Incident, Ticket
from tickets.reports.figures import (
    accountability_report,
    first_response_missed_q,
    report_period_errors,
    resolution_missed_q,
)
from tickets.reports.render_pdf import devanagari_font, render_pdf
from tickets.reports.tables import report_tables
from tickets.selectors import ticket_breached_q
from tickets.services import report_export

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}
# The report is read on 15 December: every target of November is due by then.
NOW = datetime(2026, 12, 15, 12, 0, tzinfo=IST)


def ist(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=IST)


def user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def november(seeded) -> dict[str, Ticket]:
    """A month of BSNL (partly its Kerala circle) and POSTS tickets with known times."""
    officer, supervisor, posts_officer = user("bsnl_officer"), user("bsnl_supervisor"), user("posts_officer")
    tickets = {
        # Answered in 1 h and resolved in 24 h, both on time.
        "on_time": ticket_of(
            "BSNL",
            unit="BSNL_KL",
            status=Status.RESOLVED,
            assigned_to=officer,
            created_at=ist(11, 2, 10),
            first_response_due_at=ist(11, 2, 12),
            first_responded_at=ist(11, 2, 11),
            resolution_due_at=ist(11, 5, 10),
            resolved_at=ist(11, 3, 10),
        ),
        # Answered in 3 h and resolved in 96 h, both late; closed since.
        "late": ticket_of(
            "BSNL",
            unit="BSNL_KL",
            status=Status.CLOSED,
            assigned_to=officer,
            created_at=ist(11, 2, 10),
            first_response_due_at=ist(11, 2, 12),
            first_responded_at=ist(11, 2, 13),
            resolution_due_at=ist(11, 5, 10),
            resolved_at=ist(11, 6, 10),
            closed_at=ist(11, 13, 10),
        ),
        # Never answered, still open past both targets.
        "ignored": ticket_of(
            "BSNL",
            status=Status.IN_PROGRESS,
            assigned_to=supervisor,
            created_at=ist(11, 10, 9),
            first_response_due_at=ist(11, 10, 11),
            resolution_due_at=ist(11, 20, 9),
        ),
        # Rejected unanswered: neither met nor missed, and not open.
        "rejected": ticket_of(
            "BSNL",
            unit="BSNL_KL",
            status=Status.REJECTED,
            created_at=ist(11, 20, 9),
            first_response_due_at=ist(11, 20, 11),
            resolution_due_at=ist(11, 27, 9),
        ),
        # Answered in 30 min; waiting on the citizen since before its resolution target: not missed.
        "paused": ticket_of(
            "BSNL",
            status=Status.AWAITING_CITIZEN,
            assigned_to=officer,
            created_at=ist(11, 25, 9),
            first_response_due_at=ist(11, 25, 10),
            first_responded_at=ist(11, 25, 9, 30),
            resolution_due_at=ist(11, 28, 10),
            sla_paused_at=ist(11, 26, 10),
        ),
        # Received in October, resolved in November after 240 h.
        "october_resolved": ticket_of(
            "BSNL",
            status=Status.RESOLVED,
            assigned_to=supervisor,
            created_at=ist(10, 25, 10),
            resolved_at=ist(11, 4, 10),
        ),
        # Received in October, still open: open at the end, not received.
        "october_open": ticket_of("BSNL", status=Status.NEW, created_at=ist(10, 20, 10)),
        # After the period: nowhere.
        "december": ticket_of("BSNL", status=Status.NEW, created_at=ist(12, 2, 10)),
        # The Department of Posts: answered in 30 min, resolved in 4 h.
        "posts": ticket_of(
            "POSTS",
            status=Status.RESOLVED,
            assigned_to=posts_officer,
            created_at=ist(11, 3, 10),
            first_response_due_at=ist(11, 3, 12),
            first_responded_at=ist(11, 3, 10, 30),
            resolution_due_at=ist(11, 4, 10),
            resolved_at=ist(11, 3, 14),
        ),
    }
    bsnl, kerala, moc = department("BSNL"), department("BSNL_KL"), department("MOC")

    def escalate(name, level, raised_at, *, notify=bsnl, acknowledged_at=None, reason=Escalation.Reason.SLA):
        Escalation.objects.create(
            ticket=tickets[name],
            level=level,
            reason=reason,
            notify_department=notify,
            raised_at=raised_at,
            acknowledged_at=acknowledged_at,
            acknowledged_by=supervisor if acknowledged_at else None,
        )

    escalate("ignored", 1, ist(11, 10, 11, 5), acknowledged_at=ist(11, 10, 13, 5))  # acknowledged in 2 h
    escalate("ignored", 2, ist(11, 20, 10, 5))
    escalate("late", 1, ist(11, 2, 12, 5), notify=kerala, acknowledged_at=ist(11, 2, 12, 35))  # in 30 min
    escalate("on_time", 3, ist(11, 4, 9), notify=moc, reason=Escalation.Reason.APPEAL)
    escalate("october_open", 2, ist(10, 30, 9))  # before the period
    for name, rating, given_at in [
        ("on_time", 2, ist(11, 4, 12)),
        ("late", 4, ist(11, 8, 12)),
        ("posts", 5, ist(11, 5, 12)),
        ("october_resolved", 1, ist(10, 26, 12)),  # before the period
    ]:
        Feedback.objects.create(ticket=tickets[name], rating=rating, created_at=given_at)
    return tickets


def rows_by_code(report) -> dict:
    return {row.code: row for row in report.rows}


def test_rows_follow_the_tree_each_department_before_its_units(november):
    report = accountability_report(user=user("auditor"), department_code=None, now=NOW, **NOVEMBER)
    assert [row.code for row in report.rows] == [
        None,
        "MOC",
        "BSNL",
        "BSNL_KL",
        "BSNL_MH",
        "BSNL_UP",
        "DOT",
        "MTNL",
        "MTNL_DL",
        "MTNL_MB",
        "POSTS",
    ]


def test_the_period_is_made_of_indian_dates(seeded):
    for created_at in (ist(10, 31, 23, 50), ist(11, 1, 0, 5), ist(11, 30, 23, 30), ist(12, 1, 0, 10)):
        ticket_of("BSNL", created_at=created_at)
    report = accountability_report(user=user("auditor"), department_code="BSNL", now=NOW, **NOVEMBER)
    assert report.total.received == 2
    assert (report.daily[0].received, report.daily[-1].received) == (1, 1)  # 1 and 30 November, IST


def test_the_per_target_misses_are_the_two_halves_of_the_breach_definition(november):
    """The report splits `ticket_breached_q` by target; this keeps the halves from drifting."""
    for now in (NOW, ist(11, 10, 12), ist(11, 26, 12)):
        breached = set(Ticket.objects.filter(ticket_breached_q(now)).values_list("id", flat=True))
        either = first_response_missed_q(now) | resolution_missed_q(now)
        assert set(Ticket.objects.filter(either).values_list("id", flat=True)) == breached


def test_a_bsnl_supervisor_sees_bsnl_only(november):
    report = accountability_report(user=user("bsnl_supervisor"), department_code=None, now=NOW, **NOVEMBER)
    assert [row.code for row in report.rows] == [None, "BSNL", "BSNL_KL", "BSNL_MH", "BSNL_UP"]
    assert report.total.received == 5
    assert "posts_officer" not in {officer.username for officer in report.officers}
    with pytest.raises(Department.DoesNotExist):
        accountability_report(user=user("bsnl_supervisor"), department_code="POSTS", **NOVEMBER)


def test_a_units_auditor_reports_on_the_unit_but_cannot_see_the_department(november):
    auditor = staff("BSNL_KL", Role.AUDITOR)
    report = accountability_report(user=auditor, department_code="BSNL_KL", now=NOW, **NOVEMBER)
    assert ([row.code for row in report.rows], report.total.received) == ([None, "BSNL_KL"], 3)
    with pytest.raises(Department.DoesNotExist):
        accountability_report(user=auditor, department_code="BSNL", **NOVEMBER)


def test_an_officer_may_not_see_reports(november):
    with pytest.raises(PermissionDenied):
        accountability_report(user=user("bsnl_officer"), department_code="BSNL", **NOVEMBER)
    with pytest.raises(PermissionDenied):
        accountability_report(user=user("bsnl_officer"), department_code=None, **NOVEMBER)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 11, 30), date(2026, 11, 1), "end"),
        (date(2026, 1, 1), date(2027, 1, 2), "end"),  # 367 days
        (date(1999, 1, 1), date(1999, 1, 2), "start"),
        (date(2026, 1, 1), date(9999, 12, 31), "end"),
    ],
)
def test_a_bad_period_is_refused_by_field(start, end, field):
    assert field in report_period_errors(start=start, end=end)


def test_a_leap_year_fits_in_one_report():
    assert report_period_errors(start=date(2028, 1, 1), end=date(2028, 12, 31)) == {}


def test_an_unknown_department_is_bad_input(seeded):
    with pytest.raises(ValidationError) as error:
        accountability_report(user=user("auditor"), department_code="NOPE", **NOVEMBER)
    assert "department" in error.value.message_dict


def _make_tickets(count: int, first: int) -> None:
    """`count` tickets over November in BSNL, its Kerala circle and POSTS, each with an escalation
    and a rating, so every query of the report has rows to read."""
    officer = user("bsnl_officer")
    for index in range(first, first + count):
        code, unit = [("BSNL", None), ("BSNL", "BSNL_KL"), ("POSTS", None)][index % 3]
        created_at = ist(11, 1 + index % 28, 10)
        ticket = ticket_of(
            code,
            unit=unit,
            status=Status.RESOLVED,
            assigned_to=officer,
            created_at=created_at,
            first_response_due_at=created_at + timedelta(hours=2),
            first_responded_at=created_at + timedelta(minutes=30 + index),
            resolution_due_at=created_at + timedelta(days=2),
            resolved_at=created_at + timedelta(hours=5 + index),
        )
        Escalation.objects.create(ticket=ticket, level=1, notify_department=ticket.department, raised_at=created_at)
        Feedback.objects.create(ticket=ticket, rating=1 + index % 5, created_at=created_at + timedelta(days=1))


def _queries_of_a_report(reader: User, department_code: str | None) -> int:
    with CaptureQueriesContext(connection) as queries:
        accountability_report(user=reader, department_code=department_code, now=NOW, **NOVEMBER)
    return len(queries)


@pytest.mark.parametrize(("username", "department_code"), [("auditor", None), ("bsnl_supervisor", "BSNL")])
def test_the_report_costs_a_fixed_number_of_queries_whatever_the_tickets(
    seeded, django_assert_max_num_queries, username, department_code
):
    reader = user(username)
    _make_tickets(5, first=0)
    # The scope, the departments and the ministry's name; six aggregates; the department's code.
    with django_assert_max_num_queries(10):
        accountability_report(user=reader, department_code=department_code, now=NOW, **NOVEMBER)
    with_five = _queries_of_a_report(reader, department_code)
    _make_tickets(45, first=5)
    assert _queries_of_a_report(reader, department_code) == with_five


def export(fmt: str, *, username: str = "auditor", department_code: str | None = "BSNL"):
    return report_export(user=user(username), department_code=department_code, fmt=fmt, **NOVEMBER)


def test_json_is_the_report_as_a_dict(november):
    result = export("json")
    body = orjson.loads(result.read())
    assert (result.content_type, result.filename) == (
        "application/json",
        "accountability-bsnl-2026-11-01-2026-11-30.json",
    )
    assert (body["department_code"], body["start"], body["timezone"]) == ("BSNL", "2026-11-01", "Asia/Kolkata")
    assert body["rows"][0]["level"] == "total"
    assert {"rows", "officers", "daily"} <= body.keys()


def csv_tables(content: bytes) -> dict[str, list[list[str]]]:
    """{section title: [header row, rows...]} of a CSV export."""
    tables, current = {}, None
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        if not row:
            current = None
        elif current is None:
            current = tables.setdefault(row[0], [])
        else:
            current.append(row)
    return tables


def test_csv_is_one_table_per_section_in_utf8_with_a_bom(november):
    result = export("csv")
    assert result.read().startswith(codecs.BOM_UTF8)
    assert result.content_type == "text/csv; charset=utf-8"
    tables = csv_tables(result.read())
    assert list(tables) == [
        "Summary",
        "Departments",
        "Volume",
        "SLA compliance",
        "Response times (business hours)",
        "Escalations and transfers",
        "Feedback",
        "Officers",
        "Daily",
        "Tickets",
    ]
    volume = tables["Volume"]
    assert volume[0] == [
        "Level",
        "Code",
        "Received",
        "Resolved",
        "Resolved within SLA",
        "Resolved within SLA %",
        "Open at end",
        "Rejected",
    ]
    assert ["department", "BSNL", "5", "3", "1", "50.0", "3", "1"] in volume  # October's has no target
    assert len(tables["Tickets"]) == 1 + 5  # the header and a row per ticket received
    assert ["department", "BSNL", "Bharat Sanchar Nigam Ltd", "भारत संचार निगम लिमिटेड"] in tables["Departments"]
    assert len(tables["Daily"]) == 31  # the header and 30 days


def test_xlsx_has_the_summary_a_sheet_per_section_the_tickets_and_native_charts(november):
    result = export("xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(result.read()))
    assert workbook.sheetnames == [table.title for table in report_tables(result.report)] + ["Tickets"]
    assert workbook["Summary"]["A12"].value == "Received"
    assert workbook["Summary"]["B12"].value == 5
    volume = workbook["Volume"]
    assert [cell.value for cell in volume[1]][:4] == ["Level", "Code", "Received", "Resolved"]
    assert all(cell.font.bold for cell in volume[1])
    assert volume.column_dimensions["A"].width > 0
    assert ["department", "BSNL", 5, 3, 1, 50, 3, 1] in [
        list(row) for row in volume.iter_rows(min_row=2, values_only=True)
    ]
    assert workbook["Daily"]["A2"].value.date() == date(2026, 11, 1)
    assert workbook["Tickets"].max_row == 1 + 5
    with zipfile.ZipFile(io.BytesIO(result.read())) as archive:
        charts = [archive.read(name) for name in archive.namelist() if name.startswith("xl/charts/chart")]
    assert len(charts) == 2
    assert any(b"lineChart" in chart for chart in charts)
    assert any(b"barChart" in chart for chart in charts)


@pytest.fixture
def formula_names(november):
    """A unit, an officer, a category, an incident and an assignee whose names a spreadsheet would
    run as formulas, on the tickets' rows too."""
    Department.objects.filter(code="BSNL_KL").update(name_en="=1+1", name_hi="@SUM(1,2)")
    User.objects.filter(username="bsnl_officer").update(display_name='+HYPERLINK("http://x")')
    category = Category.objects.create(code="formula", name_en="=cmd|' /C calc'!A0", name_hi="=2+3")
    incident = Incident.objects.create(title='=HYPERLINK("http://x","click")', department=department("BSNL"))
    assignee = staff("BSNL", Role.OFFICER, username="-officer")
    Ticket.objects.filter(pk=november["on_time"].pk).update(category=category, incident=incident)
    Ticket.objects.filter(pk=november["late"].pk).update(assigned_to=assignee)
    return november


def test_csv_writes_formula_like_names_as_text(formula_names):
    tables = csv_tables(export("csv").read())
    assert ["unit", "BSNL_KL", "'=1+1", "'@SUM(1,2)"] in tables["Departments"]
    assert any(row[1].startswith("'+HYPERLINK(") for row in tables["Officers"][1:])
    _header, *tickets = tables["Tickets"]
    cells = {cell for row in tickets for cell in row}
    assert {"'=cmd|' /C calc'!A0", '\'=HYPERLINK("http://x","click")', "'-officer"} <= cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def test_xlsx_writes_formula_like_names_as_string_cells(formula_names):
    workbook = openpyxl.load_workbook(io.BytesIO(export("xlsx").read()))
    cells = {cell.value: cell for row in workbook["Departments"].iter_rows(min_row=2) for cell in row}
    assert cells["=1+1"].data_type == "s"
    assert cells["@SUM(1,2)"].data_type == "s"
    names = [row[1] for row in workbook["Officers"].iter_rows(min_row=2)]
    assert any(cell.value.startswith("+HYPERLINK(") and cell.data_type == "s" for cell in names)
    tickets = {cell.value: cell for row in workbook["Tickets"].iter_rows(min_row=2) for cell in row}
    assert tickets["=cmd|' /C calc'!A0"].data_type == "s"
    assert tickets['=HYPERLINK("http://x","click")'].data_type == "s"
    with zipfile.ZipFile(io.BytesIO(export("xlsx").read())) as archive:
        sheets = b"".join(archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/"))
    assert b"<f>" not in sheets  # no formula anywhere in the workbook


def test_xlsx_keeps_markup_breaks_and_backslashes_as_text(november):
    """A title with XML's own characters, a backslash, a tab and a control character XML cannot
    hold: the cell reads as typed, less the control character; the workbook still opens."""
    title = 'Fibre <cut> & "down"\\ at\tA&amp;B\x01 now\nsecond line'
    incident = Incident.objects.create(title=title, department=department("BSNL"))
    Ticket.objects.filter(pk=november["on_time"].pk).update(incident=incident)

    workbook = openpyxl.load_workbook(io.BytesIO(export("xlsx").read()))

    cells = {cell.value for row in workbook["Tickets"].iter_rows(min_row=2) for cell in row}
    assert title.replace("\x01", "") in cells


def pdf_pages(content: bytes) -> int:
    return content.count(b"/Type /Page") - content.count(b"/Type /Pages")


def test_pdf_is_an_a4_document_with_pages_and_an_appendix_of_rows(november):
    result = export("pdf")
    assert result.read().startswith(b"%PDF")
    assert result.read().rstrip().endswith(b"%%EOF")
    assert result.content_type == "application/pdf"
    assert pdf_pages(result.read()) >= 1
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in result.read()  # A4, in points
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in result.read()  # the appendix, landscape
    assert result.ticket_rows == 5


def test_a_big_pdf_says_where_the_rows_are_instead(november, monkeypatch):
    monkeypatch.setattr("tickets.reports.render_pdf.PDF_TICKET_ROWS_MAX", 4)
    result = export("pdf")
    assert result.ticket_rows == 0
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" not in result.read()  # no appendix


def test_pdf_embeds_a_devanagari_font(november):
    # `make setup` and `make test` install fonts-noto-core (scripts/fonts.sh), CI included.
    assert devanagari_font() is not None, "no Devanagari font: run scripts/fonts.sh (apt-get install fonts-noto-core)"
    assert b"Devanagari" in export("pdf").read()


def test_pdf_falls_back_to_english_names_without_the_font(november):
    report = accountability_report(user=user("auditor"), department_code="BSNL", now=NOW, **NOVEMBER)
    content = render_pdf(report, use_system_fonts=False)
    assert content.startswith(b"%PDF")
    assert pdf_pages(content) >= 1
    assert b"Devanagari" not in content


def test_a_pdf_of_a_whole_year_has_several_pages(november):
    content = report_export(
        user=user("admin"), department_code=None, start=date(2026, 1, 1), end=date(2026, 12, 31), fmt="pdf"
    ).read()
    assert pdf_pages(content) >= 3


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "pdf"])
def test_each_export_writes_an_exported_event_and_the_chain_holds(november, fmt):
    before = AuditEvent.objects.filter(kind=EventKind.EXPORTED).count()
    result = export(fmt)
    events = AuditEvent.objects.filter(kind=EventKind.EXPORTED)
    assert events.count() == before + 1
    event = events.order_by("-id").first()
    assert (event.actor, event.ticket_id) == (user("auditor"), None)
    assert event.data == {
        "report": "accountability",
        "format": fmt,
        "department": "BSNL",
        "start": "2026-11-01",
        "end": "2026-11-30",
        "rows": {"scopes": 5, "officers": 2, "days": 30, "tickets": 5},
        "received": 5,
        "filename": result.filename,
        "bytes": len(result.read()),
        "sha256": hashlib.sha256(result.read()).hexdigest(),
    }
    assert not [step for step in audit_chain_verify() if isinstance(step, ChainBreak)]


def test_a_refused_export_writes_no_event(november):
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        export("csv", username="bsnl_officer")
    assert AuditEvent.objects.count() == before


# The API.

REPORT_URL = reverse("report-accountability")
NOVEMBER_QUERY = {"department": "BSNL", "start": "2026-11-01", "end": "2026-11-30"}
FILE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def test_the_api_answers_json_by_default(november, client_for):
    response = client_for(user("auditor")).get(REPORT_URL, NOVEMBER_QUERY)
    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert "Content-Disposition" not in response
    body = orjson.loads(b"".join(response.streaming_content))
    assert body["rows"][1]["code"] == "BSNL"
    assert len(body["tickets"]) == 5


@pytest.mark.parametrize("fmt", FILE_TYPES)
def test_the_api_sends_files_as_attachments(november, client_for, fmt):
    response = client_for(user("bsnl_supervisor")).get(REPORT_URL, {**NOVEMBER_QUERY, "format": fmt})
    assert (response.status_code, response["Content-Type"]) == (200, FILE_TYPES[fmt])
    expected = f'attachment; filename="accountability-bsnl-2026-11-01-2026-11-30.{fmt}"'
    assert response["Content-Disposition"] == expected


@pytest.mark.parametrize("who", ["auditor", "bsnl_supervisor", "bsnl_admin", "admin"])
def test_auditors_supervisors_and_admins_may_export(november, client_for, who):
    reader = staff("BSNL", Role.DEPARTMENT_ADMIN) if who == "bsnl_admin" else user(who)
    assert client_for(reader).get(REPORT_URL, NOVEMBER_QUERY).status_code == 200


@pytest.mark.parametrize("query", [NOVEMBER_QUERY, {**NOVEMBER_QUERY, "department": ""}])
def test_officers_get_403(november, client_for, query):
    client = client_for(user("bsnl_officer"))  # issuing its token is an event
    before = AuditEvent.objects.count()
    response = client.get(REPORT_URL, query)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "permission_denied")
    assert AuditEvent.objects.count() == before


def test_another_departments_report_is_404(november, client_for):
    response = client_for(staff("POSTS", Role.SUPERVISOR)).get(REPORT_URL, NOVEMBER_QUERY)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-11-31"}, "start"),
        ({"start": "yesterday"}, "start"),
        ({"end": ""}, "end"),
        ({"start": "2026-11-30", "end": "2026-11-01"}, "end"),
        ({"start": "2025-11-01", "end": "2026-11-30"}, "end"),
        ({"end": "9999-12-31"}, "end"),
        ({"department": "NOPE"}, "department"),
        ({"format": "docx"}, "format"),
    ],
)
def test_bad_input_is_400_with_the_field(november, client_for, query, field):
    response = client_for(user("auditor")).get(REPORT_URL, {**NOVEMBER_QUERY, **query})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.fixture
def keep_the_test_connection_open():
    """Requests through the WSGI handler run inside this test's transaction: keep Django from closing
    its connection between them (as tests/seva/test_schema_fuzz.py does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_format_matches_the_schema(november, keep_the_test_connection_open):
    """The schema fuzzer runs as an officer, who is refused; this checks the answers it documents."""
    token = api_token_issue(user=user("auditor"), actor=None)[1]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
    operation = schema["/api/v1/reports/accountability/"]["GET"]
    for fmt in ("json", *FILE_TYPES):
        case = operation.Case(query={**NOVEMBER_QUERY, "format": fmt})
        response = case.call_and_validate(headers={"Authorization": f"Token {token}"})
        assert response.status_code == 200, fmt


# The command.


def test_the_command_writes_the_file_and_prints_a_summary(november, tmp_path):
    output, out = tmp_path / "bsnl.xlsx", io.StringIO()
    call_command(
        "export_report",
        *("--department", "BSNL", "--start", "2026-11-01", "--end", "2026-11-30"),
        *("--output", str(output), "--as", "auditor"),
        stdout=out,
    )
    assert openpyxl.load_workbook(output).sheetnames[0] == "Summary"  # the format read off the extension
    summary = out.getvalue()
    assert "received 5, resolved 3, open at end 3" in summary
    assert "5 departments and units, 2 officers, 30 days" in summary
    assert "5 ticket rows" in summary
    assert hashlib.sha256(output.read_bytes()).hexdigest() in summary
    assert AuditEvent.objects.filter(kind=EventKind.EXPORTED, actor=user("auditor")).count() == 1


def test_the_command_refuses_without_a_user(november, tmp_path):
    with pytest.raises(CommandError, match="--as"):
        call_command(
            "export_report", "--start", "2026-11-01", "--end", "2026-11-30", "--output", str(tmp_path / "r.csv")
        )
    assert not AuditEvent.objects.filter(kind=EventKind.EXPORTED).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--department", "BSNL", "--as", "bsnl_officer"), "may not export"),
        (("--department", "POSTS", "--as", "bsnl_supervisor"), "cannot see"),
        (("--department", "NOPE", "--as", "auditor"), "department: No such department"),
        (("--as", "nobody"), "No active user"),
        (("--as", "auditor", "--end", "2026-10-01"), "end: The end is before the start"),
    ],
)
def test_the_command_explains_a_refusal(november, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "export_report",
            *("--start", "2026-11-01", "--end", "2026-11-30", "--format", "pdf"),
            *("--output", str(tmp_path / "report.pdf")),
            *arguments,
        )
