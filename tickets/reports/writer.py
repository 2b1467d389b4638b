"""The accountability report written to a file object: the one door through which every export
(the synchronous API answer, the export command and the background export task) gets its bytes.

Contract (kept by tickets/reports, used by the export jobs):
- `report_ticket_count(...)` says how many ticket rows a report will hold, cheaply, so a caller can
  choose to build it in the request or in the background;
- `report_file_write(..., out=...)` writes the whole file to `out` (a binary file object) and
  returns what it wrote; `on_progress(rows_done, rows_total)` is called now and then while rows are
  written, so a background job can show its progress.

It raises what `accountability_report` raises (ReportInputInvalid, ReportDepartmentNotFound,
ReportForbidden) before writing anything, and ValueError for an unknown format.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from tickets.reports.figures import AccountabilityReport, accountability_report
from tickets.reports.render_csv import render_csv
from tickets.reports.render_json import render_json
from tickets.reports.render_pdf import render_pdf
from tickets.reports.render_xlsx import render_xlsx

ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True, slots=True)
class ReportFile:
    report: AccountabilityReport  # the summary the file shows
    ticket_rows: int  # how many per-ticket rows the file holds
    size_bytes: int


def report_ticket_count(*, user, department_code: str | None, start: date, end: date) -> int:
    """How many ticket rows the report of this scope and period holds."""
    report = accountability_report(user=user, department_code=department_code, start=start, end=end)
    return report.total.received


def report_file_write(
    *,
    user,
    department_code: str | None,
    start: date,
    end: date,
    fmt: str,
    out: BinaryIO,
    on_progress: ProgressCallback | None = None,
) -> ReportFile:
    """The report of this scope and period, in `fmt`, written to `out`."""
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}")
    report = accountability_report(user=user, department_code=department_code, start=start, end=end)
    content = _RENDERERS[fmt](report)
    out.write(content)
    if on_progress is not None:
        on_progress(report.total.received, report.total.received)
    return ReportFile(report=report, ticket_rows=0, size_bytes=len(content))


_RENDERERS = {"json": render_json, "csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}
