"""The report as JSON: the summary figures as the API returns them, then `tickets`, one object per
ticket (TICKET_COLUMNS' keys; times in India's time with their offset; each hop list an array of
lines), streamed row by row as PostgreSQL writes them (ticket_rows_json_sql)."""

import orjson

from tickets.reports.figures import AccountabilityReport
from tickets.reports.progress import Progress
from tickets.reports.row_parts import TicketRowsParts
from tickets.reports.scope import ReportScope
from tickets.reports.ticket_rows import ticket_rows_json_sql, ticket_rows_lines_iter

_BLOCK_ROWS = 1_000


def write_json(
    *,
    scope: ReportScope,
    report: AccountabilityReport,
    out,
    progress: Progress,
    parts: TicketRowsParts | None = None,
) -> int:
    """Write the document to `out`; how many ticket rows it holds. `parts`: the rows, already being
    read in parallel (tickets/reports/row_parts.py)."""
    summary = orjson.dumps(report)
    out.write(summary[:-1] + b',"tickets":[')
    lines = parts.lines() if parts is not None else ticket_rows_lines_iter(*ticket_rows_json_sql(scope))
    rows, block = 0, []
    for line in lines:
        block.append(line)
        rows += 1
        if rows % _BLOCK_ROWS == 0:
            out.write((b"," if rows > _BLOCK_ROWS else b"") + b",".join(block))
            block.clear()
        if rows % progress.every == 0:
            progress.rows(rows)
    if block:
        out.write((b"," if rows > len(block) else b"") + b",".join(block))
    out.write(b"]}")
    return rows
