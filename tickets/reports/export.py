"""Exporting the accountability report as a file (JSON, CSV, XLSX or PDF), with its EXPORTED event:
the synchronous door (the API and the `export_report` command). The file is streamed by
`tickets.reports.writer` into a temporary file (in memory while small, on disk beyond), so an
export of any size costs the process little memory. Callers import `report_export` from
`tickets.services`."""

import tempfile
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from tickets.audit import audit_event_append
from tickets.events.report import report_exported_event
from tickets.reports.figures import AccountabilityReport
from tickets.reports.writer import report_file_write

CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
REPORT_FORMATS = tuple(CONTENT_TYPES)
# A file up to this size stays in memory; a bigger one goes on to a temporary file on disk.
IN_MEMORY_BYTES = 8 << 20


@dataclass(frozen=True, slots=True)
class ExportResult:
    file: tempfile.SpooledTemporaryFile  # the file, at its start; the caller closes it
    content_type: str
    filename: str
    report: AccountabilityReport  # what the file shows, for a caller's summary
    ticket_rows: int
    size_bytes: int
    sha256: str

    def read(self) -> bytes:
        """The whole file (for small ones: tests, mail attachments)."""
        self.file.seek(0)
        content = self.file.read()
        self.file.seek(0)
        return content


def report_export(
    *, user, department_code: str | None, start: date, end: date, fmt: str, language: str | None = None
) -> ExportResult:
    """The report as a file, recorded in the audit trail (who, what scope and period, which format,
    how many rows, the file's size and SHA-256). Raises what `report_scope` raises, and ValueError
    for an unknown format (callers offer only REPORT_FORMATS). Nothing is recorded for a refusal."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown report format {fmt!r}")
    file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 - handed to the caller
    try:
        written = report_file_write(
            user=user, department_code=department_code, start=start, end=end, fmt=fmt, out=file, language=language
        )
        report = written.report
        filename = f"accountability-{(report.department_code or 'all').lower()}-{start}-{end}.{fmt}"
        # Its own short transaction, after the file: it locks the chain head until it commits.
        with transaction.atomic():
            audit_event_append(
                report_exported_event(
                    actor_id=user.pk,
                    report="accountability",
                    fmt=fmt,
                    department_code=report.department_code,
                    start=start,
                    end=end,
                    rows={**report.row_counts(), "tickets": written.ticket_rows},
                    received=report.total.received,
                    filename=filename,
                    size_bytes=written.size_bytes,
                    sha256=written.sha256,
                )
            )
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return ExportResult(
        file=file,
        content_type=CONTENT_TYPES[fmt],
        filename=filename,
        report=report,
        ticket_rows=written.ticket_rows,
        size_bytes=written.size_bytes,
        sha256=written.sha256,
    )
