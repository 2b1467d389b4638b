"""Services are the only writers (STYLE.md; issue 8): no ORM write and no writing SQL outside them.

Read from the source with `ast`, not grep: a call `.save(`, `.create(`, `.update(`, `.delete(`,
`.bulk_create(`, `.bulk_update(`, `.get_or_create(` or `.update_or_create(` on anything but a known
non-ORM object (the cache, a dict), and any SQL text (a string literal or an f-string's literal part,
docstrings aside) that inserts, updates, deletes, copies or truncates, wherever it is passed, so a
SQL constant counts where it is written. `form.save(commit=False)` builds an object and writes
nothing. Scope: the product apps; tests, devtools, benchmarks, scripts and migrations are not the
product. Allowed: any `services.py` or module under a `services/` package, and the modules below,
each a service in all but its name.
"""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
NOT_PRODUCT = {"tests", "devtools", "bench", "scripts", "migrations", ".venv", "node_modules", "staticfiles"}

# Modules that are services under another name: each write in them is a service function
# (`<entity>_<action>`) that a door, a task or another service calls, never a view.
SERVICE_OWNING_MODULES = {
    # The audit writer: audit_events_append, the chain head's lock and COPY of the events.
    "tickets/audit.py",
    # ticket_numbers_allocate: the number sequence, taken only by the intake service, in its transaction.
    "tickets/numbering.py",
    # inbox_store and inbox_process_tweets: every door stores what it received here first.
    "ingestion/inbox.py",
    # dead_letters_replay and dead_letter_replay: dead letters parsed again, through the inbox.
    "ingestion/replay.py",
    # seed_demo: the demo data set for `manage.py seed_demo`, `make run` and the benchmarks; it runs
    # before any actor exists, so there is no one to check or audit.
    "departments/seed.py",
}

ORM_WRITE_METHODS = {
    "save",
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
# Receivers of those method names that are not the ORM, by the name the code gives them.
NOT_ORM_RECEIVERS = {
    "cache",  # Django's cache
    "envelope",  # a tweet's JSON, a dict (ingestion/parsing)
    "summary.outcomes",  # a Counter (ingestion/files.py)
    "workbook",  # openpyxl (tickets/reports/render_xlsx.py)
    "self.digest",  # a hashlib SHA-256 (tickets/reports/writer.py)
}
WRITING_SQL = re.compile(
    r"\b(INSERT\s+INTO|UPDATE\s+[\w.\"]+\s+(AS\s+\w+\s+)?SET|DELETE\s+FROM|COPY\s+[\w.\"]+|TRUNCATE\s)", re.IGNORECASE
)


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (n for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)))
    return {
        id(node.body[0].value)
        for node in nodes
        if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }


def _writes_nothing(call: ast.Call) -> bool:
    receiver = ast.unparse(call.func.value)
    commit_false = any(
        k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False for k in call.keywords
    )
    return receiver in NOT_ORM_RECEIVERS or (call.func.attr == "save" and commit_false)


def writes_in(source: str) -> list[str]:
    """Each ORM write or writing SQL text in `source`, as "line: what"."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ORM_WRITE_METHODS
            and not _writes_nothing(node)
        ):
            found.append(f"{node.lineno}: {ast.unparse(node.func)}(")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and (sql := WRITING_SQL.search(node.value))
        ):
            found.append(f"{node.lineno}: SQL {' '.join(sql.group(0).split())}")
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def is_service_module(relative: Path) -> bool:
    return (
        relative.name == "services.py"
        or "services" in relative.parts[:-1]
        or relative.as_posix() in SERVICE_OWNING_MODULES
    )


def product_modules() -> list[Path]:
    paths = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if NOT_PRODUCT.intersection(relative.parts) or any(part.startswith(".") for part in relative.parts):
            continue
        paths.append(relative)
    return paths


def test_no_module_but_a_service_writes():
    violations = {
        relative.as_posix(): found
        for relative in product_modules()
        if not is_service_module(relative) and (found := writes_in((ROOT / relative).read_text(encoding="utf-8")))
    }
    assert violations == {}


def test_each_module_named_a_service_exists_and_writes():
    # A module that stopped writing (or moved) leaves the list, so the list stays the truth.
    assert {path for path in SERVICE_OWNING_MODULES if writes_in((ROOT / path).read_text(encoding="utf-8"))} == (
        SERVICE_OWNING_MODULES
    )


PLANTED = '''
"""A docstring may say INSERT INTO t or DELETE FROM t."""
from django.core.cache import cache
from django.db import connection

MARK_SENT = "UPDATE tickets_ticketmessage SET delivery = 'sent' WHERE id = %s"


def view(request, form, ticket):
    """Nor is this: UPDATE t SET a = 1."""
    draft = form.save(commit=False)
    cache.delete("key")
    ticket.save(update_fields=["status"])
    Ticket.objects.filter(pk=ticket.pk).update(status="closed")
    Note.objects.create(ticket=ticket)
    with connection.cursor() as cursor:
        cursor.execute(MARK_SENT, [1])
        cursor.execute(f"DELETE FROM tickets_internalnote WHERE ticket_id = {ticket.pk}")
        cursor.execute("SELECT 1")
    return draft
'''


def test_the_scanner_finds_each_planted_write_and_nothing_else():
    assert writes_in(PLANTED) == [
        "6: SQL UPDATE tickets_ticketmessage SET",
        "13: ticket.save(",
        "14: Ticket.objects.filter(pk=ticket.pk).update(",
        "15: Note.objects.create(",
        "18: SQL DELETE FROM",
    ]


def test_services_and_only_they_are_allowed_to_write():
    assert is_service_module(Path("tickets/services/ticket_actions.py"))
    assert is_service_module(Path("tickets/services/intake_sql.py"))
    assert is_service_module(Path("departments/services.py"))
    assert not is_service_module(Path("tickets/views.py"))
    assert not is_service_module(Path("ingestion/doors/search.py"))
    assert not is_service_module(Path("accounts/management/commands/issue_token.py"))
    assert Path("tickets/views.py") in product_modules()
    assert not [path for path in product_modules() if path.parts[0] in NOT_PRODUCT or "migrations" in path.parts]
