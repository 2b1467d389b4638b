"""Bulk intake's COPY rows are built by column name, so a value can never land one column off."""

import pytest

from tickets.models import Ticket, TicketMessage
from tickets.services.intake_sql import MESSAGES, TICKETS, CopyTable


def test_a_row_follows_the_column_list_whatever_the_order_of_the_names():
    table = CopyTable(name="t", columns=("a", "b", "c"))
    assert table.row(c=3, a=1, b=2) == (1, 2, 3)


def test_a_row_missing_a_column_is_refused():
    table = CopyTable(name="t", columns=("a", "b", "c"))
    with pytest.raises(ValueError, match="missing: c"):
        table.row(a=1, b=2)


def test_a_row_with_a_column_the_table_does_not_have_is_refused():
    table = CopyTable(name="t", columns=("a", "b"))
    with pytest.raises(ValueError, match="unknown: z"):
        table.row(a=1, b=2, z=3)


def test_the_copied_tables_cover_every_column_of_their_models():
    # COPY names every column: one the model gained and intake does not fill would fail the batch.
    # (Not a generated column: PostgreSQL computes it, and COPY may not name it.)
    assert TICKETS.columns == tuple(field.column for field in Ticket._meta.concrete_fields if not field.generated)
    assert MESSAGES.columns == tuple(field.column for field in TicketMessage._meta.concrete_fields)
