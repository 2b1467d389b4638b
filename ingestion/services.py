"""Writes of the doors' bookkeeping: the cursor each tracked query is polled from, the stream rules X refused."""

from datetime import datetime

from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest

from ingestion.models import PollCursor, StreamRuleRefusal


def poll_cursor_open(*, query_key: str, query: str, since_id: int | None = None) -> PollCursor:
    """The query's cursor, made on its first poll (from `since_id`, when earlier queries saw its terms)."""
    cursor, _ = PollCursor.objects.get_or_create(query_key=query_key, defaults={"query": query, "since_id": since_id})
    return cursor


def poll_cursor_record(
    *,
    cursor_id: int,
    polled_at: datetime,
    error: str = "",
    newest_id: int | None = None,
    tweets_per_hour: float | None = None,
) -> None:
    """A poll's outcome: when, its error (empty when it went well), how busy the query is now and, once
    every page is stored, the newest tweet it saw, from which the next poll starts."""
    fields = {"polled_at": polled_at, "last_error": error}
    if tweets_per_hour is not None:
        fields["tweets_per_hour"] = max(0.0, tweets_per_hour)
    if newest_id is not None:
        # Never backwards, should two runs overlap.
        fields["since_id"] = Greatest(Coalesce("since_id", Value(0)), Value(newest_id))
    PollCursor.objects.filter(pk=cursor_id).update(**fields)


def stream_rule_refusals_record(*, errors: list[dict], refused_at: datetime) -> int:
    """Keep the rules X refused (the `errors[]` of a POST to the rules endpoint), for the check command
    and the admin; returns how many."""
    refusals = [
        StreamRuleRefusal(
            refused_at=refused_at,
            value=str(error.get("value", ""))[:10_000],
            title=str(error.get("title", ""))[:200],
            problem_type=str(error.get("type", ""))[:200],
            detail=str(error.get("detail") or error.get("details") or error.get("message") or "")[:10_000],
        )
        for error in errors
    ]
    StreamRuleRefusal.objects.bulk_create(refusals)
    return len(refusals)
