"""The accountability report written to a file object: the one door through which every export
(the synchronous API answer, the export command and the background export task) gets its bytes.

Contract (kept by tickets/reports, used by the export jobs):
- `report_ticket_count(...)` says how many ticket rows a report will hold, with one count, so a
  caller can choose to build it in the request or in the background;
- `report_file_write(..., out=...)` streams the whole file to `out` (a binary file object; it is
  written to, never sought) and returns what it wrote; `on_progress(rows_done, rows_total)` is called
  every PROGRESS_EVERY ticket rows, and once at the end, so a background job can show its progress.

It raises what `report_scope` raises (ReportInputInvalid, ReportDepartmentNotFound, ReportForbidden)
before writing anything, and ValueError for an unknown format.

The figures and the rows are read in one transaction; where the writer opens it (no caller's
transaction around it), it is REPEATABLE READ, so the summary and the rows are one snapshot (the
"received" figure is the number of rows). `on_progress` runs inside that transaction, on the same
connection: progress written to the database through it is seen by others only at the end, so keep
progress in the cache (or another connection).
"""

import hashlib
import io
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from django.db import connection, transaction
from django.utils import translation

from tickets.reports.figures import AccountabilityReport, report_figures
from tickets.reports.progress import PROGRESS_EVERY, Progress, ProgressCallback
from tickets.reports.render_csv import write_csv
from tickets.reports.render_json import write_json
from tickets.reports.render_pdf import write_pdf
from tickets.reports.render_xlsx import write_xlsx
from tickets.reports.row_parts import ticket_rows_parts_start
from tickets.reports.scope import report_scope
from tickets.sla.business_times import ticket_business_times_fill

__all__ = ["PROGRESS_EVERY", "ProgressCallback", "ReportFile", "report_file_write", "report_ticket_count"]

_WRITERS = {"json": write_json, "csv": write_csv, "xlsx": write_xlsx, "pdf": write_pdf}
REPORT_FILE_FORMATS = tuple(_WRITERS)
_BUFFER_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ReportFile:
    report: AccountabilityReport  # the summary the file shows
    ticket_rows: int  # how many per-ticket rows the file holds (a big PDF holds none: see render_pdf)
    size_bytes: int
    sha256: str  # of the bytes written, hex


def report_ticket_count(
    *, user, department_code: str | None, start: date, end: date, now: datetime | None = None
) -> int:
    """How many tickets the report of this scope and period has a row for (those received in the
    period), with one count. Raises as report_file_write."""
    scope = report_scope(user=user, department_code=department_code, start=start, end=end, now=now)
    return scope.received.count()


def report_file_write(
    *,
    user,
    department_code: str | None,
    start: date,
    end: date,
    fmt: str,
    out: BinaryIO,
    on_progress: ProgressCallback | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> ReportFile:
    """The report of this scope and period, in `fmt`, streamed to `out`, in `language` (default: the
    user's preferred language)."""
    if fmt not in _WRITERS:
        raise ValueError(f"unknown report format {fmt!r}")
    scope = report_scope(user=user, department_code=department_code, start=start, end=end, now=now)
    # Tickets answered or resolved in the last half minute may not have their business times yet.
    ticket_business_times_fill()
    sink = _HashingSink(out)
    buffered = io.BufferedWriter(sink, buffer_size=_BUFFER_BYTES)
    own_snapshot = not connection.in_atomic_block
    with translation.override(language or getattr(user, "preferred_language", None) or "en"), _one_snapshot():
        # A big CSV's or XLSX's rows are read in parallel while the figures are computed (row_parts.py).
        parts = ticket_rows_parts_start(scope, fmt=fmt) if own_snapshot else None
        try:
            report = report_figures(scope)
            progress = Progress(on_progress, total=report.total.received, every=PROGRESS_EVERY)
            extra = {} if parts is None else {"parts": parts}
            rows = _WRITERS[fmt](scope=scope, report=report, out=buffered, progress=progress, **extra)
            buffered.flush()
        finally:
            if parts is not None:
                parts.close()
    progress.rows(rows)
    return ReportFile(report=report, ticket_rows=rows, size_bytes=sink.size, sha256=sink.digest.hexdigest())


@contextmanager
def _one_snapshot():
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


class _HashingSink(io.RawIOBase):
    """Passes bytes on to `out`, counting them and taking their SHA-256 on the way."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.size, self.digest = out, 0, hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.out.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)
