"""The report as an A4 PDF. It embeds a Devanagari font when the machine has one (Debian's
fonts-noto-core) and uharfbuzz can shape it, so Hindi names print; otherwise it keeps to Helvetica
and prints the English names alone. reportlab is imported where it is used: every process imports
the services (and so this module), few of them ever draw a file."""

import io
import math
from functools import cache
from pathlib import Path

from tickets.reports.figures import AccountabilityReport
from tickets.reports.tables import report_tables

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
