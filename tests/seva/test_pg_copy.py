"""Binary COPY (seva.pg_copy): every column type our bulk writes use arrives as the value sent."""

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from django.db import connection

from seva.pg_copy import copy_in

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "small", "whole", "flag", "code", "body", "at", "data", "ids")


@pytest.fixture
def table():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copy_probe (id bigint, small smallint, whole integer, flag boolean, "
            "code varchar(12), body text, at timestamptz, data jsonb, ids bigint[])"
        )
    return "copy_probe"


def test_rows_arrive_as_sent(table):
    at = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC)
    india = timezone(timedelta(hours=5, minutes=30))
    rows = [
        (1, 3, 70000, True, "BSNL-1", "पैसे कट गए\tand a tab\nand a line", at, '{"a": [1, 2]}', [7, 2**62]),
        (2, 0, -1, False, "", "", at.astimezone(india), orjson.dumps({"b": "ब"}), []),
        (3, None, None, None, None, None, None, None, None),
    ]  # fmt: skip
    with connection.cursor() as cursor:
        with copy_in(cursor, table, COLUMNS) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM copy_probe ORDER BY id")  # nosec B608
        back = cursor.fetchall()
    # Django reads jsonb as its text.
    back = [(*row[:7], orjson.loads(row[7]) if row[7] else None, row[8]) for row in back]
    assert back[0] == (1, 3, 70000, True, "BSNL-1", rows[0][5], at, {"a": [1, 2]}, [7, 2**62])
    assert back[1] == (2, 0, -1, False, "", "", at, {"b": "ब"}, [])
    assert back[2] == (3, None, None, None, None, None, None, None, None)


def test_a_column_the_table_lacks_is_refused_by_name(table):
    with (
        connection.cursor() as cursor,
        pytest.raises(ValueError, match="copy_probe has no column colour"),
        copy_in(cursor, table, ("id", "colour")),
    ):
        pass
