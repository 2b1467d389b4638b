"""Exporting the accountability report as a file (JSON, CSV, XLSX or PDF), with its EXPORTED event.

The figures come from `tickets.reports`; this module only lays them out. The PDF embeds a
Devanagari font when the machine has one (Debian's fonts-noto-core) and uharfbuzz can shape it, so
Hindi names print; otherwise it keeps to Helvetica and prints the English names alone. openpyxl and reportlab are
imported where they are used: every process imports the services, few of them ever draw a file.
"""

import csv
import io
import math
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import orjson
from django.db import transaction

from tickets.audit import EventDraft, audit_event_append
from tickets.models import EventKind
from tickets.reports import AccountabilityReport, ScopeRow, accountability_report

CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
REPORT_FORMATS = tuple(CONTENT_TYPES)

# The columns of each section, shared by the CSV, XLSX and PDF files: (title, source, columns),
# each column (attribute, header). The scope columns lead every section drawn from `rows`.
SCOPE_COLUMNS = (("level", "Level"), ("code", "Code"))
REPORT_SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("Departments", "rows", (*SCOPE_COLUMNS, ("name_en", "Name"), ("name_hi", "Name (Hindi)"))),
    (
        "Volume",
        "rows",
        (
            *SCOPE_COLUMNS,
            ("received", "Received"),
            ("resolved", "Resolved"),
            ("open_at_end", "Open at end"),
            ("rejected", "Rejected"),
        ),
    ),
    (
        "SLA compliance",
        "rows",
        (
            *SCOPE_COLUMNS,
            ("first_response_met", "First response met"),
            ("first_response_missed", "First response missed"),
            ("first_response_compliance_percent", "First response %"),
            ("resolution_met", "Resolution met"),
            ("resolution_missed", "Resolution missed"),
            ("resolution_compliance_percent", "Resolution %"),
            ("breached", "Breached"),
        ),
    ),
    (
        "Response times (hours)",
        "rows",
        (
            *SCOPE_COLUMNS,
            ("first_response_median_hours", "First response median"),
            ("first_response_p90_hours", "First response p90"),
            ("resolution_median_hours", "Resolution median"),
            ("resolution_p90_hours", "Resolution p90"),
        ),
    ),
    (
        "Escalations",
        "rows",
        (
            *SCOPE_COLUMNS,
            ("escalations_l1", "L1"),
            ("escalations_l2", "L2"),
            ("escalations_l3", "L3"),
            ("escalations_acknowledged", "Acknowledged"),
            ("acknowledge_median_hours", "Median hours to acknowledge"),
            ("appeals", "Appeals"),
        ),
    ),
    (
        "Feedback",
        "rows",
        (*SCOPE_COLUMNS, ("feedback_count", "Ratings"), ("feedback_average_rating", "Average rating")),
    ),
    (
        "Officers",
        "officers",
        (
            ("username", "Officer"),
            ("name", "Name"),
            ("resolved", "Resolved"),
            ("resolution_median_hours", "Median hours to resolve"),
        ),
    ),
    ("Daily", "daily", (("day", "Date"), ("received", "Received"), ("resolved", "Resolved"))),
)


@dataclass(frozen=True, slots=True)
class ExportResult:
    content: bytes
    content_type: str
    filename: str
    report: AccountabilityReport  # what the file shows, for a caller's summary


@dataclass(frozen=True, slots=True)
class ReportTable:
    title: str
    keys: tuple[str, ...]
    headers: tuple[str, ...]
    rows: list[list]


@transaction.atomic
def report_export(*, user, department_code: str | None, start: date, end: date, fmt: str) -> ExportResult:
    """The report as a file, recorded in the audit trail (who, what scope and period, which format,
    how many rows). Raises what `accountability_report` raises, and ValueError for an unknown format
    (callers offer only REPORT_FORMATS)."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown report format {fmt!r}")
    report = accountability_report(user=user, department_code=department_code, start=start, end=end)
    content = _RENDERERS[fmt](report)
    filename = f"accountability-{(report.department_code or 'all').lower()}-{start}-{end}.{fmt}"
    # Appended last: it locks the chain head until this transaction commits, so keep that short.
    audit_event_append(
        EventDraft(
            EventKind.EXPORTED,
            None,
            user.pk,
            {
                "report": "accountability",
                "format": fmt,
                "department": report.department_code,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "rows": report.row_counts(),
                "received": report.total.received,
                "filename": filename,
                "bytes": len(content),
            },
        )
    )
    return ExportResult(content=content, content_type=CONTENT_TYPES[fmt], filename=filename, report=report)


def report_tables(report: AccountabilityReport) -> list[ReportTable]:
    """The report's sections as tables: a title, a header row, rows of plain values."""
    tables = [
        ReportTable(
            title="Report",
            keys=("field", "value"),
            headers=("Field", "Value"),
            rows=[[label, value] for label, value in _report_facts(report)],
        )
    ]
    for title, source, columns in REPORT_SECTIONS:
        keys = tuple(key for key, _ in columns)
        rows = [[_cell(item, key) for key in keys] for item in getattr(report, source)]
        tables.append(ReportTable(title=title, keys=keys, headers=tuple(h for _, h in columns), rows=rows))
    return tables


def _report_facts(report: AccountabilityReport) -> list[tuple[str, str]]:
    return [
        ("Report", "Accountability report"),
        ("Organisation", report.organisation_en),
        ("Department", report.department_code or "All"),
        ("Department name", report.department_name_en),
        ("Department name (Hindi)", report.department_name_hi),
        ("Start", report.start.isoformat()),
        ("End", report.end.isoformat()),
        ("Time zone", report.timezone),
        ("Generated at", report.generated_at.isoformat(timespec="seconds")),
        ("Generated by", report.generated_by),
    ]


def _cell(item, key: str):
    value = getattr(item, key)
    if key == "code" and isinstance(item, ScopeRow) and value is None:
        return "All"  # the total row; department codes are upper case, so this names none of them
    if key == "username" and value is None:
        return ""
    return value


# A spreadsheet takes a cell starting with one of these as a formula (or, for a tab or carriage
# return, strips it and then may): a unit named "=HYPERLINK(...)" must reach the auditor as text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """A string a spreadsheet could run, defused for CSV with a leading apostrophe (OWASP's advice);
    anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def render_json(report: AccountabilityReport) -> bytes:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2)


def render_csv(report: AccountabilityReport) -> bytes:
    """One table per section: its title, a header row, its rows, then a blank line. UTF-8 with a BOM,
    which is how Excel knows the file is UTF-8 (and shows the Hindi names)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for table in report_tables(report):
        writer.writerow([spreadsheet_text(table.title)])
        writer.writerow([spreadsheet_text(header) for header in table.headers])
        writer.writerows([["" if value is None else spreadsheet_text(value) for value in row] for row in table.rows])
        writer.writerow([])
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(report: AccountabilityReport) -> bytes:
    """One sheet per section, bold headers, fitted columns; the daily sheet has a line chart."""
    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in report_tables(report):
        sheet = workbook.create_sheet(title=table.title[:31])
        sheet.append(list(table.headers))
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append(row)
            # openpyxl turns a string starting with "=" into a formula: every string is a string cell.
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        for index, header in enumerate(table.headers, start=1):
            values = [header, *(row[index - 1] for row in table.rows)]
            width = max(len(str(value)) for value in values if value is not None)
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)
        if "day" in table.keys:
            for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
                cell.number_format = "yyyy-mm-dd"
            if table.rows:
                chart = LineChart()
                chart.title = "Tickets received and resolved per day"
                chart.y_axis.title = "Tickets"
                chart.x_axis.title = "Date (India)"
                chart.x_axis.number_format = "d mmm"
                chart.height, chart.width = 9, 22
                last = len(table.rows) + 1
                chart.add_data(Reference(sheet, min_col=2, max_col=3, min_row=1, max_row=last), titles_from_data=True)
                chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=last))
                sheet.add_chart(chart, "E2")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Where Debian and Ubuntu put a font with Devanagari (fonts-noto-core, fonts-noto-hinted,
# fonts-lohit-deva); the first one present is embedded.
DEVANAGARI_FONT_FILES = (
    "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansDevanagariUI-Regular.ttf",
    "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf",
    "/usr/share/fonts/truetype/fonts-deva-extra/gargi.ttf",
)
DEVANAGARI_FONT_NAME = "SevaDevanagari"


@cache
def devanagari_font(candidates: tuple[str, ...] = DEVANAGARI_FONT_FILES) -> str | None:
    """The registered name of a font that can draw Hindi, or None when the machine has none. Hindi
    also needs shaping (uharfbuzz: a vowel sign such as ि is drawn before the consonant it follows in
    the text); without it the names would print misspelt, so they are left out instead."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for path in candidates:
        if Path(path).is_file():
            try:
                font = TTFont(DEVANAGARI_FONT_NAME, path)
            except TTFError:
                continue
            if not font.shapable:
                return None
            pdfmetrics.registerFont(font)
            return DEVANAGARI_FONT_NAME
    return None


def render_pdf(report: AccountabilityReport, *, use_system_fonts: bool = True) -> bytes:
    """A titled A4 report: who and what period, the section tables, and a chart of the daily series.
    `use_system_fonts=False` draws it as a machine without a Devanagari font would."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    hindi_font = devanagari_font() if use_system_fonts else None
    styles = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=styles["Normal"], fontName="Helvetica", fontSize=7, leading=8.5)
    header = ParagraphStyle("header", parent=cell, fontName="Helvetica-Bold")
    hindi = ParagraphStyle("hindi", parent=cell, fontName=hindi_font or "Helvetica", shaping=1)
    hindi_title = ParagraphStyle(
        "hindi_title", parent=styles["Heading2"], fontName=hindi_font or "Helvetica", shaping=1
    )

    story = [Paragraph(_escape(report.organisation_en), styles["Heading2"])]
    if hindi_font and report.organisation_hi:
        story.append(Paragraph(_escape(report.organisation_hi), hindi_title))
    story += [
        Paragraph("Accountability report", styles["Title"]),
        Paragraph(_escape(_department_heading(report)), styles["Heading2"]),
    ]
    if hindi_font and report.department_name_hi:
        story.append(Paragraph(_escape(report.department_name_hi), hindi_title))
    story += [
        Paragraph(
            f"Period: {report.start:%d %b %Y} to {report.end:%d %b %Y} (India's dates, {report.timezone})",
            styles["Normal"],
        ),
        Paragraph(
            _escape(f"Generated {report.generated_at:%d %b %Y %H:%M} IST by {report.generated_by}"), styles["Normal"]
        ),
        Spacer(1, 4 * mm),
        _daily_chart(report, width=A4[0] - 40 * mm),
        Spacer(1, 4 * mm),
    ]

    width = A4[0] - 30 * mm
    for table in report_tables(report)[1:]:
        keys, headers, rows = table.keys, table.headers, table.rows
        if "name_hi" in keys and not hindi_font:
            # Without a Devanagari font the Hindi names would print as empty boxes: leave them out.
            drop = keys.index("name_hi")
            keys, headers = keys[:drop] + keys[drop + 1 :], headers[:drop] + headers[drop + 1 :]
            rows = [row[:drop] + row[drop + 1 :] for row in rows]
        data = [[Paragraph(_escape(h), header) for h in headers]]
        data += [
            [
                Paragraph(_escape(_pdf_value(value)), hindi if key == "name_hi" else cell)
                for key, value in zip(keys, row, strict=True)
            ]
            for row in rows
        ] or [[Paragraph("No rows.", cell)] + [""] * (len(headers) - 1)]
        pdf_table = Table(data, repeatRows=1, colWidths=[width / len(headers)] * len(headers))
        pdf_table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    *(
                        ("BACKGROUND", (0, index), (-1, index), colors.HexColor("#f6f6f6"))
                        for index, row in enumerate(rows, start=1)
                        if row and row[0] == "total"
                    ),
                ]
            )
        )
        story.append(KeepTogether([Paragraph(_escape(table.title), styles["Heading3"]), Spacer(1, 1 * mm), pdf_table]))
        story.append(Spacer(1, 3 * mm))

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(15 * mm, 10 * mm, f"Seva Desk · accountability report · page {document.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"Accountability report {report.department_code or 'all'} {report.start} to {report.end}",
        author="Seva Desk",
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _daily_chart(report: AccountabilityReport, *, width: float):
    """Received and resolved per day, as lines, with a legend."""
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    height = 170
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 12, "Tickets received and resolved per day", fontName="Helvetica-Bold", fontSize=9))
    days = report.daily
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 30, 30, width - 40, height - 60
    plot.data = [
        [(index, day.received) for index, day in enumerate(days)],
        [(index, day.resolved) for index, day in enumerate(days)],
    ]
    plot.lines[0].strokeColor = colors.HexColor("#1f77b4")
    plot.lines[1].strokeColor = colors.HexColor("#2ca02c")
    plot.lines[0].strokeWidth = plot.lines[1].strokeWidth = 1.2
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, max(len(days) - 1, 1)
    step = max(1, len(days) // 8)
    plot.xValueAxis.valueSteps = list(range(0, len(days), step))
    plot.xValueAxis.labelTextFormat = lambda index: f"{days[int(index)].day:%d %b}" if 0 <= index < len(days) else ""
    plot.xValueAxis.labels.fontSize = plot.yValueAxis.labels.fontSize = 7
    # Whole tickets: about five steps of a whole number each.
    highest = max([1, *(max(day.received, day.resolved) for day in days)])
    y_step = max(1, math.ceil(highest / 5))
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = 0, y_step * 5, y_step
    plot.yValueAxis.labelTextFormat = "%d"
    drawing.add(plot)
    legend = Legend()
    legend.x, legend.y = width - 130, height - 8
    legend.fontSize, legend.columnMaximum, legend.alignment = 7, 1, "right"
    legend.colorNamePairs = [(plot.lines[0].strokeColor, "Received"), (plot.lines[1].strokeColor, "Resolved")]
    drawing.add(legend)
    return drawing


def _department_heading(report: AccountabilityReport) -> str:
    if report.department_code:
        return f"{report.department_name_en} ({report.department_code})"
    return f"{report.department_name_en} you may report on"


def _pdf_value(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _escape(text: str) -> str:
    """Paragraphs read a little markup: names are text, never tags."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_RENDERERS = {"json": render_json, "csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}
