"""PostgreSQL advisory locks, each by name: one key per thing serialised, none spelled twice.

A lock's key is `hashtext(name)`, so changing a name changes its key: do that only when no process
running the old code can still take the old one.
"""

from enum import StrEnum

from django.db import connection


class AdvisoryLock(StrEnum):
    # Moves in the department tree: two concurrent moves could otherwise build a cycle between them.
    DEPARTMENT_TREE = "departments_tree"
    # Ingestion batches take turns, so a conversation is never threaded by two at once.
    INGESTION_PIPELINE = "seva.ingestion.pipeline"
    # SLA sweeps (beat, `sweep_sla`, a redelivered task) take turns, avoiding the deadlocks two
    # overlapping ON CONFLICT inserts of the same escalations can cause.
    SLA_SWEEP = "tickets.sla_sweep"


def advisory_xact_lock_sql(lock: AdvisoryLock) -> str:
    """The SQL expression that waits for `lock` and holds it to the end of the transaction, for a
    statement that does more at the same time (the pipeline also relaxes synchronous_commit)."""
    # The names above are identifiers (letters, dots, underscores), safe to quote as a literal.
    return f"pg_advisory_xact_lock(hashtext('{AdvisoryLock(lock).value}'))"


def advisory_xact_lock(lock: AdvisoryLock) -> None:
    """Wait for `lock` and hold it until the current transaction ends."""
    if not connection.in_atomic_block:
        # Outside a transaction the lock would be released at once, serialising nothing.
        raise RuntimeError("an advisory transaction lock needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [AdvisoryLock(lock).value])
