"""Ingestion reads tickets through tickets (tickets/snapshots.py): only tickets knows its tables."""

import ast
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

INGESTION = Path(settings.BASE_DIR) / "ingestion"


def tickets_tables() -> set[str]:
    models = apps.get_app_config("tickets").get_models(include_auto_created=True)
    return {model._meta.db_table for model in models}


def strings_naming(tables: set[str], source: str) -> list[str]:
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(tables))) + r")\b")
    return [
        match.group()
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for match in pattern.finditer(node.value)
    ]


def test_no_sql_in_ingestion_names_a_tickets_table():
    tables = tickets_tables()
    files = sorted(INGESTION.rglob("*.py"))
    offenders = {
        str(path.relative_to(INGESTION)): names
        for path in files
        if (names := strings_naming(tables, path.read_text(encoding="utf-8")))
    }

    assert offenders == {}
    assert {"tickets_ticket", "tickets_ticketmessage", "tickets_feedback"} <= tables
    assert INGESTION / "pipeline.py" in files


def test_the_scan_finds_a_tickets_table_in_sql():
    source = 'cursor.execute("SELECT id FROM tickets_ticket t JOIN tickets_feedback f ON f.ticket_id = t.id")'

    assert strings_naming({"tickets_ticket", "tickets_feedback"}, source) == ["tickets_ticket", "tickets_feedback"]
    assert strings_naming({"tickets_ticket"}, 'print("tickets_created: 3")') == []
