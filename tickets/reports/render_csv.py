"""The report as CSV: every section one after the other, formulas defused."""

import csv
import io

from tickets.reports.figures import AccountabilityReport
from tickets.reports.tables import report_tables

# A spreadsheet takes a cell starting with one of these as a formula (or, for a tab or carriage
# return, strips it and then may): a unit named "=HYPERLINK(...)" must reach the auditor as text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """A string a spreadsheet could run, defused for CSV with a leading apostrophe (OWASP's advice);
    anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


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
