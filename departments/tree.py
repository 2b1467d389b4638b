"""The department tree in SQL: the two walks that every recursive query of it is made of.

Each function returns one common table expression, `name(columns) AS (...)`, for a `WITH RECURSIVE`
clause (alone or beside other CTEs), so the walk stays inside the statement that uses it and the
planner sees the whole query. The SQL they are given is the caller's constant text, with the
caller's placeholders; the functions run when a module is imported, not per query.
"""

from collections.abc import Sequence

# Deeper than any real tree; ends a walk up should a cycle ever reach the table.
MAX_DEPTH = 64


def subtree_cte(name: str, *, seed: str, carry: Sequence[str] = (), prune: str = "") -> str:
    """`name(id, *carry)`: the departments `seed` selects and every department below them.

    seed:  a SELECT of (id, *carry) rows, e.g. "SELECT %s::bigint", or memberships with their role.
    carry: columns handed down unchanged from a department to its children (a role, a root's id).
    prune: a condition on `d`, a child: where it is false, neither that child nor anything below it
           is walked (a department with its own SLA policy keeps its subtree).
    UNION, not UNION ALL: a department reached twice is walked once, and a cycle would end.
    """
    columns = ", ".join(("id", *carry))
    handed_down = "".join(f", {name}.{column}" for column in carry)
    where = f"\n     WHERE {prune}" if prune else ""
    return f"""{name}({columns}) AS (
    {seed}
  UNION
    SELECT d.id{handed_down} FROM departments_department d JOIN {name} ON d.parent_id = {name}.id{where}
)"""  # noqa: S608 - the callers' constant text  # nosec B608


def ancestors_cte(name: str, *, ids: str) -> str:
    """`name(origin, id, depth)`: for each department `origin` in `ids` (an SQL bigint[] expression,
    e.g. a placeholder), the department itself at depth 0 and each one above it, nearest first.

    Nearest wins: `DISTINCT ON (origin) ... ORDER BY origin, depth` picks the first ancestor that
    has something (a calendar, a policy).
    """
    return f"""{name}(origin, id, depth) AS (
    SELECT d.id, d.id, 0 FROM departments_department d WHERE d.id = ANY({ids})
  UNION ALL
    SELECT {name}.origin, d.parent_id, {name}.depth + 1
      FROM {name} JOIN departments_department d ON d.id = {name}.id
     WHERE d.parent_id IS NOT NULL AND {name}.depth < {MAX_DEPTH}
)"""  # noqa: S608 - the callers' constant text  # nosec B608
