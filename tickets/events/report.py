"""Events on reports: what left the system as a file. None is on a ticket; `actor_id` is who
exported it.

Kind (builder): stored keys, and what they mean.

- exported (report_exported_event): report (which report, "accountability"); format ("json",
  "csv", "xlsx", "pdf"); department (the code of the department reported on, None for all);
  start and end (the period, ISO dates); rows (how many rows each table had); received (tickets
  received in the period); filename; bytes (the file's size); [sha256] (of the file, hex, so an
  auditor can prove a file is the one the system produced).
  An export job's file (report_export_built_event) adds: export (the job's id); ticket_rows (how
  many per-ticket rows the file holds); and always has sha256.
"""

from datetime import date

from tickets.audit import EventDraft
from tickets.models import EventKind


def report_exported_event(
    *,
    actor_id: int,
    report: str,
    fmt: str,
    department_code: str | None,
    start: date,
    end: date,
    rows: dict[str, int],
    received: int,
    filename: str,
    size_bytes: int,
    sha256: str | None = None,
) -> EventDraft:
    """EXPORTED: `actor_id` downloaded `report` for `department_code` over `start`-`end` as a
    `fmt` file, `filename` of `size_bytes` bytes (and SHA-256 `sha256`)."""
    data = {
        "report": report,
        "format": fmt,
        "department": department_code,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "rows": rows,
        "received": received,
        "filename": filename,
        "bytes": size_bytes,
    }
    if sha256 is not None:
        data["sha256"] = sha256
    return EventDraft(EventKind.EXPORTED, None, actor_id, data)


def report_export_built_event(
    *,
    actor_id: int,
    export_id: int,
    fmt: str,
    department_code: str | None,
    start: date,
    end: date,
    rows: dict[str, int],
    received: int,
    filename: str,
    size_bytes: int,
    ticket_rows: int,
    sha256: str,
) -> EventDraft:
    """EXPORTED, for an export job: the file `actor_id` asked for is complete, with `ticket_rows`
    ticket rows, `size_bytes` bytes and this SHA-256."""
    draft = report_exported_event(
        actor_id=actor_id,
        report="accountability",
        fmt=fmt,
        department_code=department_code,
        start=start,
        end=end,
        rows=rows,
        received=received,
        filename=filename,
        size_bytes=size_bytes,
        sha256=sha256,
    )
    return EventDraft(draft.kind, None, actor_id, {**draft.data, "export": export_id, "ticket_rows": ticket_rows})
