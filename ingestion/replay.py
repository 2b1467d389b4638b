"""Replaying dead letters after a fix: parse each again; what parses now goes through the inbox."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ingestion.inbox import inbox_process_tweets, inbox_store
from ingestion.models import DeadLetter, Door
from ingestion.parsing import parse_document


@dataclass(slots=True)
class ReplayResult:
    replayed: int = 0
    recovered: int = 0
    still_failing: int = 0


def dead_letters_replay(*, ids: list[int] | None = None) -> ReplayResult:
    result = ReplayResult()
    letters = DeadLetter.objects.filter(replayed_at__isnull=True).order_by("id")
    if ids:
        letters = letters.filter(id__in=ids)
    for letter in letters.iterator():
        parsed = parse_document(letter.raw)
        with transaction.atomic():
            if parsed.tweets and not parsed.dead_letters:
                stored = inbox_store(tweets=parsed.tweets, dead_letters=[], door=Door.REPLAY)
                letter.replay_result = f"recovered {len(parsed.tweets)} tweet(s)"
                result.recovered += len(parsed.tweets)
            else:
                stored = None
                reasons = "; ".join(d.reason for d in parsed.dead_letters) or "no tweet in it"
                letter.replay_result = f"still failing: {reasons}"
                result.still_failing += 1
            letter.replayed_at = timezone.now() if stored else None
            letter.save(update_fields=["replay_result", "replayed_at"])
        if stored:
            inbox_process_tweets(stored.new)
        result.replayed += 1
    return result
