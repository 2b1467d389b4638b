"""The report as an XLSX workbook: the summary, a sheet per section (a bar chart of the volume per
department and unit, a line chart of the days), then "Tickets", one row per ticket. Text is always a
string cell, never a formula. openpyxl is imported where it is used: every process imports the
services (and so this module), few of them ever draw a file.

openpyxl (write-only mode) writes the summary sheets and the Tickets sheet's frame (widths, panes,
header) around one marker row; the workbook is then copied, entry by entry, to `out`, with the
marker row of each Tickets sheet replaced by the tickets' rows, whose cells PostgreSQL writes as XML
(ticket_rows_xlsx_sql): openpyxl's cell objects took about an hour for a million tickets. Nothing
is held in memory but a chunk of rows; the frame is a temporary file of a few kilobytes.
"""

import re
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext as _

from tickets.reports.figures import AccountabilityReport
from tickets.reports.progress import Progress
from tickets.reports.row_parts import TicketRowsParts
from tickets.reports.scope import ReportScope
from tickets.reports.tables import report_tables
from tickets.reports.ticket_rows import (
    TICKET_COLUMNS,
    XLSX_DATE_STYLE,
    ticket_headers,
    ticket_rows_lines_iter,
    ticket_rows_xlsx_sql,
)

# A worksheet holds 1,048,576 rows: the header and this many tickets; more go on to a next sheet.
TICKETS_PER_SHEET = 1_048_575
_WIDTHS = {"text": 14, "datetime": 19, "number": 10, "int": 8, "hops": 60}


# The marker row's one cell: a time, so openpyxl gives the workbook its date style, whose number
# the tickets' time cells then use.
_MARKER_TIME = datetime(2000, 1, 1)  # noqa: DTZ001 - a spreadsheet time has no zone
_MARKER_ROW = re.compile(rb'<row r="2"[^>]*>(.*?)</row>', re.DOTALL)
_STYLE = re.compile(rb' s="(\d+)"')
_COPY_BYTES = 1 << 20


def write_xlsx(
    *,
    scope: ReportScope,
    report: AccountabilityReport,
    out,
    progress: Progress,
    parts: TicketRowsParts | None = None,
) -> int:
    """Write the workbook to `out`; how many ticket rows it holds. `parts`: the rows, already being
    read in parallel (tickets/reports/row_parts.py)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for table in report_tables(report):
        _summary_sheet(workbook, table)
    sheets = max(1, -(-report.total.received // TICKETS_PER_SHEET))
    first = len(workbook.worksheets) + 1
    for number in range(1, sheets + 1):
        _ticket_sheet_frame(workbook, number=number)
    # openpyxl names the n-th sheet's part xl/worksheets/sheet<n>.xml.
    ticket_parts = [f"xl/worksheets/sheet{index}.xml" for index in range(first, first + sheets)]
    with tempfile.TemporaryFile(prefix="seva-report-xlsx-") as frame:
        workbook.save(frame)
        frame.seek(0)
        with zipfile.ZipFile(frame) as source:
            lines = parts.lines() if parts is not None else ticket_rows_lines_iter(*ticket_rows_xlsx_sql(scope))
            return _workbook_with_rows(source, out, ticket_parts=ticket_parts, lines=lines, progress=progress)


def _string_cell(sheet, value):
    """A cell openpyxl would take for a formula ("=..."), as the text it is."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


def _as_text(sheet, value):
    return _string_cell(sheet, value) if isinstance(value, str) and value.startswith("=") else value


def _header(sheet, headers) -> list:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, header)
        cell.data_type, cell.font = "s", bold
        cells.append(cell)
    return cells


def _summary_sheet(workbook, table) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title=table.title[:31])
    # Write-only: widths and panes before the first row.
    for index, header in enumerate(table.headers, start=1):
        values = [header, *(row[index - 1] for row in table.rows)]
        width = max(len(str(value)) for value in values if value is not None)
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"
    sheet.append(_header(sheet, table.headers))
    is_daily = "day" in table.keys
    for row in table.rows:
        values = [_as_text(sheet, value) for value in row]
        if is_daily:
            values[0] = WriteOnlyCell(sheet, row[0])
            values[0].number_format = "yyyy-mm-dd"
        sheet.append(values)
    if table.rows and is_daily:
        _daily_chart(sheet, rows=len(table.rows))
    if table.rows and "received" in table.keys and "level" in table.keys:
        _volume_chart(sheet, rows=len(table.rows), keys=table.keys)


def _daily_chart(sheet, *, rows: int) -> None:
    from openpyxl.chart import LineChart, Reference

    chart = LineChart()
    chart.title = _("Tickets received and resolved per day")
    chart.y_axis.title = _("Tickets")
    chart.x_axis.title = _("Date (India)")
    chart.x_axis.number_format = "d mmm"
    chart.height, chart.width = 9, 22
    chart.add_data(Reference(sheet, min_col=2, max_col=3, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    sheet.add_chart(chart, "E2")


def _volume_chart(sheet, *, rows: int, keys: tuple[str, ...]) -> None:
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "bar"
    chart.title = _("Received and resolved per department and unit")
    chart.height, chart.width = 4 + rows * 0.6, 18
    received, resolved = keys.index("received") + 1, keys.index("resolved") + 1
    chart.add_data(
        Reference(sheet, min_col=received, max_col=resolved, min_row=1, max_row=rows + 1), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=keys.index("code") + 1, min_row=2, max_row=rows + 1))
    sheet.add_chart(chart, f"{chr(ord('A') + len(keys) + 1)}2")


def _ticket_sheet_frame(workbook, *, number: int) -> None:
    from openpyxl.utils import get_column_letter

    title = _("Tickets") if number == 1 else f"{_('Tickets')} ({number})"
    sheet = workbook.create_sheet(title=title[:31])
    for index, column in enumerate(TICKET_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[column.kind]
    sheet.freeze_panes = "B2"
    sheet.append(_header(sheet, ticket_headers()))
    sheet.append([_MARKER_TIME])


def _workbook_with_rows(
    source: zipfile.ZipFile, out, *, ticket_parts: list[str], lines: Iterator[bytes], progress: Progress
) -> int:
    """Copy the frame `source` to `out`, each Tickets sheet's marker row replaced by its tickets
    (`lines`: each ticket's cells, ticket_rows_xlsx_sql)."""
    frames = {}
    for name in ticket_parts:
        xml = source.read(name)
        marker = _MARKER_ROW.search(xml)
        style = _STYLE.search(marker.group(1)) if marker else None
        if style is None:
            raise RuntimeError(f"the workbook's frame has no marker row in {name}")
        frames[name] = (xml[: marker.start()], xml[marker.end() :], int(style.group(1)))
    # The time cells' style (a "<" cannot be in a cell's text: it is escaped there).
    dated = (f'<c s="{XLSX_DATE_STYLE}">'.encode(), f'<c s="{frames[ticket_parts[0]][2]}">'.encode())
    tickets = iter(lines)
    rows = 0
    # The rows' XML is most of the file: the fastest deflate made 200,000 tickets' sheet 47% bigger
    # than the default level did (26 MB, not 18), in 40% of the time (4 s, not 10).
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for entry in source.infolist():
            if entry.filename not in frames:
                target.writestr(entry, source.read(entry))
                continue
            before, after, _style = frames[entry.filename]
            with target.open(entry.filename, "w", force_zip64=True) as sheet:
                sheet.write(before)
                rows = _sheet_rows(sheet, tickets, dated=dated, done=rows, progress=progress)
                sheet.write(after)
    return rows


def _sheet_rows(sheet, tickets: Iterator[bytes], *, dated: tuple[bytes, bytes], done: int, progress: Progress) -> int:
    """Up to TICKETS_PER_SHEET rows from `tickets` into `sheet`, from row 2; the rows done in all."""
    placeholder, style = dated
    block, on_sheet = [], 0
    for cells in tickets:
        on_sheet += 1
        block.append(b'<row r="%d">%s</row>' % (on_sheet + 1, cells.replace(placeholder, style)))
        if len(block) == 1_000:
            sheet.write(b"".join(block))
            block.clear()
        if (done + on_sheet) % progress.every == 0:
            progress.rows(done + on_sheet)
        if on_sheet == TICKETS_PER_SHEET:
            break
    if block:
        sheet.write(b"".join(block))
    return done + on_sheet
