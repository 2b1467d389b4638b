"""The report as an XLSX workbook, one sheet per section. openpyxl is imported where it is used:
every process imports the services (and so this module), few of them ever draw a file."""

import io

from tickets.reports.figures import AccountabilityReport
from tickets.reports.tables import report_tables


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
