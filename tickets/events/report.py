"""Events on reports: what left the system as a file. None is on a ticket; `actor_id` is who
exported it.

Kind (builder): stored keys, and what they mean.

- exported (report_exported_event): report (which report, "accountability"); format ("json",
  "csv", "xlsx", "pdf"); department (the code of the department reported on, None for all);
  start and end (the period, ISO dates); rows (how many rows each table had); received (tickets
  received in the period); filename; bytes (the file's size); [sha256] (of the file, hex, so an
  auditor can prove a file is the one the system produced).
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
