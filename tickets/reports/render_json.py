"""The report as JSON: the summary figures as the API returns them, then `tickets`, one object per
ticket (TICKET_COLUMNS' keys; times in India's time with their offset; each hop list an array of
lines), streamed row by row."""

from datetime import datetime

import orjson

from tickets.reports.figures import AccountabilityReport
from tickets.reports.progress import Progress
from tickets.reports.scope import IST, ReportScope
from tickets.reports.ticket_rows import TICKET_COLUMNS, ticket_rows_iter

_HOPS = frozenset(index for index, column in enumerate(TICKET_COLUMNS) if column.kind == "hops")
_TIMES = frozenset(index for index, column in enumerate(TICKET_COLUMNS) if column.kind == "datetime")
_KEYS = tuple(column.key for column in TICKET_COLUMNS)


def ticket_row_json(row: tuple) -> dict:
    values = list(row)
    for index in _TIMES:
        if isinstance(values[index], datetime):
            values[index] = values[index].replace(tzinfo=IST)
    for index in _HOPS:
        values[index] = values[index].split("\n") if values[index] else []
    return dict(zip(_KEYS, values, strict=True))


def write_json(*, scope: ReportScope, report: AccountabilityReport, out, progress: Progress) -> int:
    """Write the document to `out`; how many ticket rows it holds."""
    summary = orjson.dumps(report)
    out.write(summary[:-1] + b',"tickets":[')
    rows = 0
    for row in ticket_rows_iter(scope):
        out.write((b"," if rows else b"") + orjson.dumps(ticket_row_json(row)))
        rows += 1
        if rows % progress.every == 0:
            progress.rows(rows)
    out.write(b"]}")
    return rows
