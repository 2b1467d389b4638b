"""The report as one CSV file: the summary's sections one after the other (a title row, a header
row, the rows, a blank line), then the "Tickets" section, one row per ticket, copied straight out of
PostgreSQL. UTF-8 with a BOM (how Excel knows the file is UTF-8, and shows Hindi), "\\n" line ends;
every text a spreadsheet would run as a formula starts with an apostrophe (OWASP's advice)."""

import codecs
import csv
import io

from django.utils.translation import gettext as _

from tickets.reports.figures import AccountabilityReport
from tickets.reports.progress import Progress
from tickets.reports.row_parts import TicketRowsParts
from tickets.reports.scope import ReportScope
from tickets.reports.tables import report_tables
from tickets.reports.ticket_rows import FORMULA_TRIGGERS, ticket_headers, ticket_rows_copy_csv


def spreadsheet_text(value):
    """A string a spreadsheet could run, defused with a leading apostrophe; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def summary_csv(report: AccountabilityReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for table in report_tables(report):
        writer.writerow([spreadsheet_text(table.title)])
        writer.writerow([spreadsheet_text(header) for header in table.headers])
        writer.writerows([["" if value is None else spreadsheet_text(value) for value in row] for row in table.rows])
        writer.writerow([])
    return buffer.getvalue()


def write_csv(
    *,
    scope: ReportScope,
    report: AccountabilityReport,
    out,
    progress: Progress,
    parts: TicketRowsParts | None = None,
) -> int:
    """Write the file to `out`; how many ticket rows it holds. `parts`: the rows, already being
    copied in parallel (tickets/reports/row_parts.py)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_("Tickets")])
    writer.writerow([spreadsheet_text(header) for header in ticket_headers()])
    out.write(codecs.BOM_UTF8 + (summary_csv(report) + buffer.getvalue()).encode())
    if parts is not None:
        return parts.write_to(out.write, on_rows=progress.rows)
    return ticket_rows_copy_csv(scope, write=out.write, on_rows=progress.rows, every=progress.every)
