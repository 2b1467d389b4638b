"""A big report's ticket rows copied in parallel. One COPY keeps one PostgreSQL process, so one core,
busy while the writer waits; so for a report of at least SEVA_EXPORT_PARALLEL_MIN_ROWS tickets the
rows are cut into SEVA_EXPORT_PARALLEL_PARTS ranges of ticket ids, about as many tickets each, and
each range is copied by a connection of its own into a temporary file, while the report's own
connection computes the summary. The file is then the summary and the parts, in id order: the same
bytes a single COPY would give (tests compare them).

Every part reads the report's own snapshot (pg_export_snapshot, SET TRANSACTION SNAPSHOT), so the
rows and the summary still describe one moment. That needs the report's transaction to be one the
writer opened (REPEATABLE READ, with nothing of its own uncommitted: another transaction never sees
those rows), so a report inside a caller's transaction is copied in one piece.
"""

import itertools
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql as pgsql

from tickets.reports.scope import ReportScope
from tickets.reports.ticket_rows import ROWS_SETTINGS, ticket_rows_csv_copy_out, ticket_rows_sql

_READ_BYTES = 1 << 20


@dataclass(eq=False)
class _Part:
    ids: tuple[int, int]
    file: object | None = None  # a temporary file
    rows: int = 0
    error: BaseException | None = None
    pg: psycopg.Connection | None = None
    done: threading.Event = field(default_factory=threading.Event)


class TicketRowsCsvParts:
    """The rows' CSV being copied, range by range, on connections of their own. Start it inside
    the report's transaction, before its figures; `write_to` then streams the parts in order;
    `close` always (it stops what still runs and removes the files)."""

    def __init__(self, scope: ReportScope, ranges: list[tuple[int, int]]) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            self._snapshot = cursor.fetchone()[0]
        self._params = connection.get_connection_params()
        self._parts = [_Part(ids) for ids in ranges]
        # The statements are made here, where the report's language is active.
        self._statements = [ticket_rows_sql(scope, for_csv=True, ids=part.ids) for part in self._parts]
        self._threads = [
            threading.Thread(target=self._copy, args=(part, *statement), name=f"report-rows-{number}", daemon=True)
            for number, (part, statement) in enumerate(zip(self._parts, self._statements, strict=True))
        ]
        for thread in self._threads:
            thread.start()

    def _copy(self, part: _Part, sql: str, params: dict) -> None:
        try:
            part.file = tempfile.TemporaryFile(prefix="seva-report-rows-")  # noqa: SIM115 - closed by close()
            with psycopg.connect(**self._params) as pg:
                part.pg = pg
                pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                pg.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(self._snapshot)))
                for statement in ROWS_SETTINGS:
                    pg.execute(statement)
                with pg.cursor() as cursor:
                    part.rows = ticket_rows_csv_copy_out(
                        cursor, sql, params, write=part.file.write, on_rows=lambda _rows: None, every=1 << 62
                    )
                pg.rollback()
        except BaseException as exc:  # noqa: BLE001 - handed to the writer, which raises it
            part.error = exc
        finally:
            part.pg = None
            part.done.set()

    def write_to(self, write: Callable[[bytes], object], *, on_rows: Callable[[int], None]) -> int:
        """Each part, as it is ready, in id order; `on_rows(rows so far)` after each. How many rows."""
        rows = 0
        for part in self._parts:
            part.done.wait()
            if part.error is not None:
                raise part.error
            part.file.seek(0)
            while chunk := part.file.read(_READ_BYTES):
                write(chunk)
            part.file.close()
            rows += part.rows
            on_rows(rows)
        return rows

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


def ticket_rows_csv_parts_start(scope: ReportScope) -> TicketRowsCsvParts | None:
    """The rows' parts, started, when the report is big enough to gain from them; else None (copy
    it in one piece). Call it first in the report's own REPEATABLE READ transaction."""
    parts = settings.SEVA_EXPORT_PARALLEL_PARTS
    if parts < 2:
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
    ranges = [(low, high - 1) for low, high in itertools.pairwise(bounds)]
    return TicketRowsCsvParts(scope, ranges)
