"""Exporting the accountability report as a file (JSON, CSV, XLSX or PDF), with its EXPORTED event.

The figures come from `tickets.reports.figures`, the tables from `tickets.reports.tables`; each
format has its renderer module. Callers import `report_export` from `tickets.services`."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from tickets.audit import audit_event_append
from tickets.events.report import report_exported_event
from tickets.reports.figures import AccountabilityReport, accountability_report
from tickets.reports.render_csv import render_csv
from tickets.reports.render_json import render_json
from tickets.reports.render_pdf import render_pdf
from tickets.reports.render_xlsx import render_xlsx

CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
REPORT_FORMATS = tuple(CONTENT_TYPES)


@dataclass(frozen=True, slots=True)
class ExportResult:
    content: bytes
    content_type: str
    filename: str
    report: AccountabilityReport  # what the file shows, for a caller's summary


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
        report_exported_event(
            actor_id=user.pk,
            report="accountability",
            fmt=fmt,
            department_code=report.department_code,
            start=start,
            end=end,
            rows=report.row_counts(),
            received=report.total.received,
            filename=filename,
            size_bytes=len(content),
        )
    )
    return ExportResult(content=content, content_type=CONTENT_TYPES[fmt], filename=filename, report=report)


_RENDERERS = {"json": render_json, "csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}
