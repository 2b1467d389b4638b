"""COPY from Python rows in PostgreSQL's binary format, each column dumped by its declared type.

Bulk writes (intake's tickets and messages, the audit trail) send hundreds of thousands of rows. In
text format psycopg looks up a dumper for every value and formats every timestamp through
isoformat, about 13 µs a ticket's row; in binary format, with the columns' types set once per COPY
(from the catalogue, so a row can never be dumped as the wrong type), the same row takes under 2 µs,
and the server parses no text either.

Two kinds of column take values in the shape our rows already hold them in: jsonb takes JSON text
(str or bytes, as orjson makes it), and bigint[] takes a sequence of ints.
"""

import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from psycopg import pq
from psycopg.adapt import Dumper

JSONB_OID = 3802
INT8_OID = 20
INT8_ARRAY_OID = 1016

_INT8_ARRAY_HEADER = struct.Struct("!iiIii")  # dimensions, has nulls, element type; length, lower bound
_EMPTY_INT8_ARRAY = struct.pack("!iiI", 0, 0, INT8_OID)


class JsonTextBinaryDumper(Dumper):
    """JSON text (str or bytes, already serialised) into a jsonb column: version 1, then the text."""

    format = pq.Format.BINARY
    oid = JSONB_OID

    def dump(self, obj: str | bytes) -> bytes:
        return b"\x01" + (obj if isinstance(obj, bytes) else obj.encode())


class Int8ArrayBinaryDumper(Dumper):
    """A sequence of ints (no NULLs) into a bigint[] column: one dimension, from 1."""

    format = pq.Format.BINARY
    oid = INT8_ARRAY_OID

    def dump(self, obj: Sequence[int]) -> bytes:
        if not obj:
            return _EMPTY_INT8_ARRAY
        count = len(obj)
        elements = struct.pack(f"!{'iq' * count}", *(part for value in obj for part in (8, value)))
        return _INT8_ARRAY_HEADER.pack(1, 0, INT8_OID, count, 1) + elements


_COLUMN_TYPES_SQL = """
SELECT a.attname, a.atttypid FROM pg_attribute a
 WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
"""
# (table, columns) -> their type oids, in that order: read once per process, from the catalogue.
_column_types: dict[tuple[str, tuple[str, ...]], list[int]] = {}


def _types_of(cursor, table: str, columns: tuple[str, ...]) -> list[int]:
    key = (table, columns)
    types = _column_types.get(key)
    if types is None:
        cursor.execute(_COLUMN_TYPES_SQL, [table])
        by_name = dict(cursor.fetchall())
        missing = [c for c in columns if c not in by_name]
        if missing:
            raise ValueError(f"{table} has no column {', '.join(missing)}")
        types = _column_types[key] = [by_name[c] for c in columns]
    return types


@contextmanager
def copy_in(cursor, table: str, columns: Sequence[str]) -> Iterator:
    """`COPY table (columns) FROM STDIN` in binary on a Django cursor: the psycopg Copy to
    `write_row` to, each row's values in `columns`' order."""
    columns = tuple(columns)
    types = _types_of(cursor, table, columns)
    psycopg_cursor = cursor.cursor
    psycopg_cursor.adapters.register_dumper(None, JsonTextBinaryDumper)
    psycopg_cursor.adapters.register_dumper(None, Int8ArrayBinaryDumper)
    with psycopg_cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        yield copy
