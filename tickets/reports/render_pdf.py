"""The report as an A4 PDF. It embeds a Devanagari font when the machine has one (Debian's
fonts-noto-core) and uharfbuzz can shape it, so Hindi names print; otherwise it keeps to Helvetica
and prints the English names alone. reportlab is imported where it is used: every process imports
the services (and so this module), few of them ever draw a file."""

import io
import math
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.reports.figures import AccountabilityReport
from tickets.reports.progress import Progress
from tickets.reports.scope import ReportScope
from tickets.reports.tables import report_tables
from tickets.reports.ticket_rows import TICKET_COLUMNS, TICKET_KEYS, ticket_rows_iter

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


# Above this many tickets the PDF prints no appendix of rows (it says where they are instead): a PDF
# is read and printed, 2,000 rows are about 150 landscape pages already, and reportlab holds a
# document's whole story in memory. One row per ticket at any size is what the CSV and XLSX are for.
PDF_TICKET_ROWS_MAX = 2_000

# The appendix's columns: (header, keys of TICKET_COLUMNS shown in the cell, width share).
_APPENDIX_COLUMNS = (
    (gettext_lazy("Ticket"), ("number", "priority", "category"), 1.3),
    (gettext_lazy("Department"), ("department_at_intake", "unit_at_intake", "department", "unit"), 1.1),
    (gettext_lazy("Status"), ("status", "incident_id", "merged_into"), 0.9),
    (gettext_lazy("Times (India)"), ("received_at", "first_response_at", "resolved_at", "closed_at"), 1.3),
    (gettext_lazy("SLA targets"), ("first_response_target", "resolution_target"), 0.9),
    (gettext_lazy("Assignments"), ("assignments",), 1.8),
    (gettext_lazy("Transfers"), ("transfers",), 1.6),
    (gettext_lazy("Escalations"), ("escalations",), 1.8),
    (gettext_lazy("Replies"), ("replies",), 2.0),
    (gettext_lazy("Rating"), ("rating",), 0.5),
)


def render_pdf(
    report: AccountabilityReport,
    *,
    use_system_fonts: bool = True,
    ticket_rows: Iterable[tuple] | None = None,
    ticket_count: int | None = None,
) -> bytes:
    """The report as PDF bytes: the summary with its charts, and, when `ticket_rows` are given (at
    most PDF_TICKET_ROWS_MAX of them), an appendix of one row per ticket; else, when
    `ticket_count` is, a note of where those rows are. `use_system_fonts=False` draws it as a
    machine without a Devanagari font would."""
    buffer = io.BytesIO()
    _build(report, buffer, use_system_fonts=use_system_fonts, ticket_rows=ticket_rows, ticket_count=ticket_count)
    return buffer.getvalue()


def write_pdf(*, scope: ReportScope, report: AccountabilityReport, out, progress: Progress) -> int:
    """Write the PDF to `out`; how many ticket rows its appendix holds (none above the limit)."""
    total = report.total.received
    counted = _Counted(ticket_rows_iter(scope), progress) if total <= PDF_TICKET_ROWS_MAX else None
    _build(report, out, use_system_fonts=True, ticket_rows=counted, ticket_count=total)
    return counted.rows if counted else 0


class _Counted:
    """Rows passed on, counted, with progress."""

    def __init__(self, rows: Iterable[tuple], progress: Progress) -> None:
        self._rows, self._progress, self.rows = rows, progress, 0

    def __iter__(self):
        for row in self._rows:
            self.rows += 1
            if self.rows % self._progress.every == 0:
                self._progress.rows(self.rows)
            yield row


def _build(report, out, *, use_system_fonts: bool, ticket_rows, ticket_count: int | None) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        KeepTogether,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )

    hindi_font = devanagari_font() if use_system_fonts else None
    text = _Text(hindi_font)
    styles = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=styles["Normal"], fontName="Helvetica", fontSize=7, leading=8.5, shaping=1)
    header = ParagraphStyle("header", parent=cell, fontName="Helvetica-Bold")
    title = ParagraphStyle("title", parent=styles["Title"], shaping=1)
    heading2 = ParagraphStyle("heading2", parent=styles["Heading2"], shaping=1)
    heading3 = ParagraphStyle("heading3", parent=styles["Heading3"], shaping=1)
    normal = ParagraphStyle("normal", parent=styles["Normal"], shaping=1)

    story = [Paragraph(text(report.organisation_en), heading2)]
    if hindi_font and report.organisation_hi:
        story.append(Paragraph(text(report.organisation_hi), heading2))
    story += [
        Paragraph(text(_("Accountability report")), title),
        Paragraph(text(_department_heading(report)), heading2),
    ]
    if hindi_font and report.department_name_hi:
        story.append(Paragraph(text(report.department_name_hi), heading2))
    story += [
        Paragraph(
            text(
                _("Period: {start} to {end} (India's dates, {zone})").format(
                    start=f"{report.start:%d-%m-%Y}", end=f"{report.end:%d-%m-%Y}", zone=report.timezone
                )
            ),
            normal,
        ),
        Paragraph(
            text(
                _("Generated {at} IST by {user}").format(
                    at=f"{report.generated_at:%d-%m-%Y %H:%M}", user=report.generated_by
                )
            ),
            normal,
        ),
        Spacer(1, 4 * mm),
        Paragraph(text(_("Tickets received and resolved per day")), heading3),
        _daily_chart(report, width=A4[0] - 40 * mm),
        Spacer(1, 4 * mm),
        Paragraph(text(_("SLA compliance per department and unit (%)")), heading3),
        _compliance_chart(report, width=A4[0] - 40 * mm),
        Spacer(1, 4 * mm),
    ]

    width = A4[0] - 30 * mm
    for table in report_tables(report):
        keys, headers, rows = table.keys, table.headers, table.rows
        if "name_hi" in keys and not hindi_font:
            # Without a Devanagari font the Hindi names would print as empty boxes: leave them out.
            drop = keys.index("name_hi")
            keys, headers = keys[:drop] + keys[drop + 1 :], headers[:drop] + headers[drop + 1 :]
            rows = [row[:drop] + row[drop + 1 :] for row in rows]
        data = [[Paragraph(text(h), header) for h in headers]]
        data += [[Paragraph(text(_pdf_value(value)), cell) for value in row] for row in rows] or [
            [Paragraph(text(_("No rows.")), cell)] + [""] * (len(headers) - 1)
        ]
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
        story.append(KeepTogether([Paragraph(text(table.title), heading3), Spacer(1, 1 * mm), pdf_table]))
        story.append(Spacer(1, 3 * mm))

    if ticket_rows is not None:
        story += [NextPageTemplate("landscape"), PageBreak()]
        story.append(Paragraph(text(_("Appendix: one row per ticket received in the period")), heading2))
        story.append(
            _appendix_table(ticket_rows, text=text, cell=cell, header=header, width=landscape(A4)[0] - 20 * mm)
        )
    elif ticket_count is not None:
        story.append(Paragraph(text(_("The tickets")), heading3))
        story.append(
            Paragraph(
                text(
                    _(
                        "This report covers {count} tickets, more than this PDF prints ({limit}). Their rows, one "
                        "per ticket with every hop, are in the CSV and XLSX files of the same report (same "
                        "department and period)."
                    ).format(count=indian_number(ticket_count), limit=indian_number(PDF_TICKET_ROWS_MAX))
                ),
                normal,
            )
        )

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(15 * mm, 10 * mm, f"Seva Desk - accountability report - page {document.page}")
        canvas.restoreState()

    document = BaseDocTemplate(
        out,
        pagesize=A4,
        title=f"Accountability report {report.department_code or 'all'} {report.start} to {report.end}",
        author="Seva Desk",
    )
    portrait_frame = Frame(15 * mm, 18 * mm, A4[0] - 30 * mm, A4[1] - 33 * mm, id="portrait")
    wide = landscape(A4)
    landscape_frame = Frame(10 * mm, 16 * mm, wide[0] - 20 * mm, wide[1] - 26 * mm, id="landscape")
    document.addPageTemplates(
        [
            PageTemplate(id="portrait", frames=[portrait_frame], pagesize=A4, onPage=footer),
            PageTemplate(id="landscape", frames=[landscape_frame], pagesize=wide, onPage=footer),
        ]
    )
    document.build(story)


def _appendix_table(ticket_rows, *, text, cell, header, width: float):
    from reportlab.lib import colors
    from reportlab.platypus import LongTable, Paragraph, TableStyle

    index = {key: position for position, key in enumerate(TICKET_KEYS)}
    labels = {column.key: str(column.header) for column in TICKET_COLUMNS}
    shares = [share for _header, _keys, share in _APPENDIX_COLUMNS]
    data = [[Paragraph(text(str(title)), header) for title, _keys, _share in _APPENDIX_COLUMNS]]
    for row in ticket_rows:
        cells = []
        for _title, keys, _share in _APPENDIX_COLUMNS:
            if len(keys) == 1 and TICKET_COLUMNS[index[keys[0]]].kind == "hops":
                value = row[index[keys[0]]] or "–"
            else:
                value = "\n".join(
                    f"{labels[key]}: {_pdf_value(row[index[key]])}" for key in keys if row[index[key]] is not None
                )
            cells.append(Paragraph(text(value).replace("\n", "<br/>"), cell))
        data.append(cells)
    if len(data) == 1:
        data.append([Paragraph(text(_("No rows.")), cell)] + [""] * (len(shares) - 1))
    table = LongTable(data, repeatRows=1, colWidths=[width * share / sum(shares) for share in shares])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


class _Text:
    """Text as paragraph markup: escaped (names are text, never tags), arrows Helvetica cannot draw
    spelt in ASCII, and each run of Devanagari in the Devanagari font (which has no Latin letters),
    or left out where the machine has no such font."""

    def __init__(self, hindi_font: str | None) -> None:
        self.hindi_font = hindi_font

    def __call__(self, value) -> str:
        escaped = _escape(str(value)).replace("→", "->").replace("…", "...").replace("–", "-")
        if self.hindi_font is None:
            return _DEVANAGARI.sub("?", escaped)
        return _DEVANAGARI.sub(lambda match: f'<font name="{self.hindi_font}">{match.group(0)}</font>', escaped)


_DEVANAGARI = re.compile("[\u0900-\u097f\u200c\u200d]+(?:[ \u0900-\u097f\u200c\u200d]*[\u0900-\u097f])?")


def indian_number(value: int) -> str:
    """1,23,456: the Indian grouping (the last three digits, then pairs)."""
    digits = str(abs(value))
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while head:
        head, pair = head[:-2], head[-2:]
        pairs.insert(0, pair)
    return ("-" if value < 0 else "") + ",".join([*pairs, tail])


def _compliance_chart(report: AccountabilityReport, *, width: float):
    """First-response and resolution compliance (%) per department and unit, as bars."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    rows = report.rows
    height = 40 + 14 * len(rows)
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 60, 10, width - 200, height - 30
    chart.data = [
        [row.first_response_compliance_percent or 0 for row in reversed(rows)],
        [row.resolution_compliance_percent or 0 for row in reversed(rows)],
    ]
    chart.categoryAxis.categoryNames = [row.code or "All" for row in reversed(rows)]
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.bars[0].fillColor = colors.HexColor("#1f77b4")
    chart.bars[1].fillColor = colors.HexColor("#2ca02c")
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 130, height - 20
    legend.fontSize, legend.columnMaximum, legend.alignment = 7, 2, "right"
    legend.colorNamePairs = [(chart.bars[0].fillColor, "First response"), (chart.bars[1].fillColor, "Resolution")]
    drawing.add(legend)
    return drawing


def _daily_chart(report: AccountabilityReport, *, width: float):
    """Received and resolved per day, as lines, with a legend."""
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    height = 170
    drawing = Drawing(width, height)
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
    # Chart text is drawn without shaping or a second font: it stays English (the heading above is translated).
    legend.colorNamePairs = [(plot.lines[0].strokeColor, "Received"), (plot.lines[1].strokeColor, "Resolved")]
    drawing.add(legend)
    return drawing


def _department_heading(report: AccountabilityReport) -> str:
    if report.department_code:
        return f"{report.department_name_en} ({report.department_code})"
    return _("All departments you may report on")


def _pdf_value(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _escape(text: str) -> str:
    """Paragraphs read a little markup: names are text, never tags."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
