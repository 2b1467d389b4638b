"""Writes of the search door's bookkeeping: the cursor each tracked query is polled from."""

from datetime import datetime

from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest

from ingestion.models import PollCursor


def poll_cursor_open(*, query_key: str, query: str) -> PollCursor:
    """The query's cursor, made on its first poll."""
    cursor, _ = PollCursor.objects.get_or_create(query_key=query_key, defaults={"query": query})
    return cursor


def poll_cursor_record(*, cursor_id: int, polled_at: datetime, error: str = "", newest_id: int | None = None) -> None:
    """A poll's outcome: when, its error (empty when it went well) and, once every page is stored, the
    newest tweet it saw, from which the next poll starts."""
    fields = {"polled_at": polled_at, "last_error": error}
    if newest_id is not None:
        # Never backwards, should two runs overlap.
        fields["since_id"] = Greatest(Coalesce("since_id", Value(0)), Value(newest_id))
    PollCursor.objects.filter(pk=cursor_id).update(**fields)
