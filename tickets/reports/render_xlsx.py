"""The report as an XLSX workbook in openpyxl's write-only mode (every sheet streamed to a temporary
file, so memory does not grow with the rows): the summary, a sheet per section (a bar chart of the
volume per department and unit, a line chart of the days), then "Tickets", one row per ticket.
Text is always a string cell, never a formula. openpyxl is imported where it is used: every
process imports the services (and so this module), few of them ever draw a file."""

from django.utils.translation import gettext as _

from tickets.reports.figures import AccountabilityReport
from tickets.reports.progress import Progress
from tickets.reports.scope import ReportScope
from tickets.reports.tables import report_tables
from tickets.reports.ticket_rows import TICKET_COLUMNS, ticket_headers, ticket_rows_iter

# A worksheet holds 1,048,576 rows: the header and this many tickets; more go on to a next sheet.
TICKETS_PER_SHEET = 1_048_575
_WIDTHS = {"text": 14, "datetime": 19, "number": 10, "int": 8, "hops": 60}


def write_xlsx(*, scope: ReportScope, report: AccountabilityReport, out, progress: Progress) -> int:
    """Write the workbook to `out`; how many ticket rows it holds."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for table in report_tables(report):
        _summary_sheet(workbook, table)
    rows = _ticket_sheets(workbook, scope=scope, progress=progress)
    workbook.save(out)
    return rows


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


def _ticket_sheets(workbook, *, scope: ReportScope, progress: Progress) -> int:
    from openpyxl.utils import get_column_letter

    headers = ticket_headers()
    sheet, sheets, on_sheet, rows = None, 0, TICKETS_PER_SHEET, 0
    for row in ticket_rows_iter(scope):
        if on_sheet == TICKETS_PER_SHEET:
            sheets += 1
            title = _("Tickets") if sheets == 1 else f"{_('Tickets')} ({sheets})"
            sheet = workbook.create_sheet(title=title[:31])
            for index, column in enumerate(TICKET_COLUMNS, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[column.kind]
            sheet.freeze_panes = "B2"
            sheet.append(_header(sheet, headers))
            on_sheet = 0
        sheet.append([_as_text(sheet, value) for value in row])
        on_sheet += 1
        rows += 1
        if rows % progress.every == 0:
            progress.rows(rows)
    if sheet is None:  # no ticket: the sheet still says what its columns would be
        sheet = workbook.create_sheet(title=_("Tickets")[:31])
        sheet.append(_header(sheet, headers))
    return rows
