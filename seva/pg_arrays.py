"""Arrays handed to PostgreSQL as one text parameter (`%s::bigint[]`) or COPY value.

psycopg dumps a Python list element by element in Python; a batch's statements pass arrays of
thousands of ids, and intake COPYs an array on every message row. Joining the ids in one C-level
call costs a small fraction of that.
"""

from collections.abc import Iterable


def bigint_array(values: Iterable[int | None]) -> str:
    """The ids as PostgreSQL's array text, "{1,2,NULL}"; only ints (and None) go in."""
    values = list(values)
    if None in values:
        return "{" + ",".join("NULL" if v is None else str(int(v)) for v in values) + "}"
    return "{" + ",".join(map(str, map(int, values))) + "}"
