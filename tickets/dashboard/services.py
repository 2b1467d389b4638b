"""The one write the dashboard has: folding the rollup's deltas (tickets.models.DashboardRollup,
DashboardDuration and DashboardOpen: the triggers only ever insert them) into one row per key, so reads stay short.
Safe beside the triggers and a second run: it deletes only rows its snapshot sees, and rows inserted
meanwhile stay as they are, so every sum is the same before and after."""

from django.db import connection, transaction

_FOLD = """
WITH keys AS (
    SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1
), folded AS (
    DELETE FROM {table} r USING keys k WHERE {match} RETURNING r.*
)
INSERT INTO {table} ({key}, {counts})
SELECT {key}, {sums} FROM folded GROUP BY {key} HAVING {nonzero}
"""


def _fold_sql(table: str, key: list[str], counts: list[str]) -> str:
    return _FOLD.format(  # nosec B608 - our own table and column names
        table=table,
        key=", ".join(key),
        counts=", ".join(counts),
        match=" AND ".join(f"r.{column} IS NOT DISTINCT FROM k.{column}" for column in key),
        sums=", ".join(f"sum({column})" for column in counts),
        nonzero=" OR ".join(f"sum({column}) <> 0" for column in counts),
    )


_FOLD_ROLLUP = _fold_sql(
    "tickets_dashboardrollup",
    ["hour", "department_id", "unit_id", "category_id"],
    ["received", "resolved", "due", "due_met", "due_waiting"],
)
_FOLD_DURATIONS = _fold_sql(
    "tickets_dashboardduration",
    ["day", "department_id", "unit_id", "measure", "bucket"],
    ["tickets"],
)

_FOLD_OPEN = _fold_sql("tickets_dashboardopen", ["due_hour", "department_id", "unit_id"], ["tickets"])


@transaction.atomic
def dashboard_rollup_compact() -> int:
    """Fold each key's deltas into one row (a key whose sums are all 0 leaves none); how many keys
    were folded. Three statements."""
    folded = 0
    with connection.cursor() as cursor:
        for sql in (_FOLD_ROLLUP, _FOLD_DURATIONS, _FOLD_OPEN):
            cursor.execute(sql)
            folded += cursor.rowcount
    return folded
