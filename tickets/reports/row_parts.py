"""A big report's ticket rows copied in parallel. One statement keeps one PostgreSQL process, so one
core, busy while the writer waits; so for a CSV, XLSX or JSON report of at least
SEVA_EXPORT_PARALLEL_MIN_ROWS tickets the rows are cut into SEVA_EXPORT_PARALLEL_PARTS ranges of
ticket ids, about as many tickets each, and each range is copied by a connection of its own into a
temporary file, while the report's own connection computes the summary. The file then takes the
parts in id order: the same bytes a single statement gives (tests compare them).

Every part reads the report's own snapshot (pg_export_snapshot, SET TRANSACTION SNAPSHOT), so the
rows and the summary still describe one moment. That needs the report's transaction to be one the
writer opened (REPEATABLE READ, with nothing of its own uncommitted: another transaction never sees
those rows), so a report inside a caller's transaction is read in one piece.
"""

import itertools
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql as pgsql

from tickets.reports.scope import ReportScope
from tickets.reports.ticket_rows import (
    ROWS_SETTINGS,
    ticket_rows_copy_out,
    ticket_rows_json_sql,
    ticket_rows_sql,
    ticket_rows_xlsx_sql,
)

PARALLEL_FORMATS = ("csv", "xlsx", "json")
# One text column a line, as it is: its text holds no line break, and no byte is ever a quote or a
# delimiter (XML and JSON write control characters as references or escapes).
_LINES = "FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01'"
_READ_BYTES = 1 << 20


@dataclass(eq=False)
class _Part:
    ids: tuple[int, int]
    file: object | None = None  # a temporary file
    rows: int = 0
    error: BaseException | None = None
    pg: psycopg.Connection | None = None
    done: threading.Event = field(default_factory=threading.Event)


def _statement(scope: ReportScope, fmt: str, ids: tuple[int, int]) -> tuple[str, dict, str]:
    """A part's statement and its COPY options: CSV lines, or one line of sheet cells or JSON per ticket."""
    if fmt == "csv":
        return (*ticket_rows_sql(scope, for_csv=True, ids=ids), "FORMAT csv")
    if fmt == "xlsx":
        return (*ticket_rows_xlsx_sql(scope, ids=ids), _LINES)
    return (*ticket_rows_json_sql(scope, ids=ids), _LINES)


class TicketRowsParts:
    """The rows being copied, range by range, on connections of their own. Start it inside the
    report's transaction, before its figures; `write_to` (CSV) or `lines` (XLSX, JSON) then reads the
    parts in order; `close` always (it stops what still runs and removes the files)."""

    def __init__(self, scope: ReportScope, fmt: str, ranges: list[tuple[int, int]]) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            self._snapshot = cursor.fetchone()[0]
        self._params = connection.get_connection_params()
        self._parts = [_Part(ids) for ids in ranges]
        # The statements are made here, where the report's language is active.
        statements = [_statement(scope, fmt, part.ids) for part in self._parts]
        self._threads = [
            threading.Thread(target=self._copy, args=(part, *statement), name=f"report-rows-{number}", daemon=True)
            for number, (part, statement) in enumerate(zip(self._parts, statements, strict=True))
        ]
        for thread in self._threads:
            thread.start()

    def _copy(self, part: _Part, sql: str, params: dict, options: str) -> None:
        try:
            part.file = tempfile.TemporaryFile(prefix="seva-report-rows-")  # noqa: SIM115 - closed by close()
            with psycopg.connect(**self._params) as pg:
                part.pg = pg
                pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                pg.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(self._snapshot)))
                for statement in ROWS_SETTINGS:
                    pg.execute(statement)
                with pg.cursor() as cursor:
                    part.rows = ticket_rows_copy_out(cursor, sql, params, write=part.file.write, options=options)
                pg.rollback()
        except BaseException as exc:  # noqa: BLE001 - handed to the writer, which raises it
            part.error = exc
        finally:
            part.pg = None
            part.done.set()

    def _ready(self) -> Iterator[_Part]:
        for part in self._parts:
            part.done.wait()
            if part.error is not None:
                raise part.error
            part.file.seek(0)
            yield part

    def write_to(self, write: Callable[[bytes], object], *, on_rows: Callable[[int], None]) -> int:
        """Each part's bytes, as it is ready, in id order; `on_rows(rows so far)` after each. How many rows."""
        rows = 0
        for part in self._ready():
            while chunk := part.file.read(_READ_BYTES):
                write(chunk)
            part.file.close()
            rows += part.rows
            on_rows(rows)
        return rows

    def lines(self) -> Iterator[bytes]:
        """Each ticket's line, without its line end, in id order."""
        for part in self._ready():
            for line in part.file:
                yield line[:-1]
            part.file.close()

    def close(self) -> None:
        for part in self._parts:
            pg = part.pg
            if pg is not None and not part.done.is_set():
                pg.cancel_safe()
        for thread in self._threads:
            thread.join()
        for part in self._parts:
            if part.file is not None:
                part.file.close()


def ticket_rows_parts_start(scope: ReportScope, *, fmt: str) -> TicketRowsParts | None:
    """The rows' parts, started, when the report is big enough to gain from them; else None (read
    it in one piece). Call it first in the report's own REPEATABLE READ transaction."""
    parts = settings.SEVA_EXPORT_PARALLEL_PARTS
    if parts < 2 or fmt not in PARALLEL_FORMATS:
        return None
    ids_sql, ids_params = scope.received.values("id").query.sql_with_params()
    fractions = [k / parts for k in range(1, parts)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), min(id), max(id), percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY id) "  # noqa: S608 - our own queryset's text  # nosec B608
            f"FROM ({ids_sql}) AS received",
            [fractions, *ids_params],
        )
        count, first, last, cuts = cursor.fetchone()
    if count < settings.SEVA_EXPORT_PARALLEL_MIN_ROWS:
        return None
    bounds = sorted({first, *cuts, last + 1})
    return TicketRowsParts(scope, fmt, [(low, high - 1) for low, high in itertools.pairwise(bounds)])
