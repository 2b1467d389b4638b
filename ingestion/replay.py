"""Replaying dead letters after a fix: parse each again; what parses now goes through the inbox."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ingestion.inbox import inbox_process_tweets, inbox_store
from ingestion.models import DeadLetter, Door
from ingestion.parsing import parse_document
from ingestion.selectors import dead_letters_visible
from tickets.services.errors import ObjectNotFound

logger = logging.getLogger(__name__)


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


def dead_letter_replay(*, actor, dead_letter_id: int) -> DeadLetter:
    """Replay one dead letter for a member of staff who may read it (else: not found, never "forbidden",
    so another department's letters do not show that they exist). The tickets it recovers get their
    own audit events from the inbox; who asked is logged."""
    if not dead_letters_visible(user=actor).filter(id=dead_letter_id).exists():
        raise ObjectNotFound(_("No such dead letter."))
    dead_letters_replay(ids=[dead_letter_id])
    logger.info("dead letter %s replayed by user %s", dead_letter_id, actor.pk)
    return dead_letters_visible(user=actor).get(id=dead_letter_id)
