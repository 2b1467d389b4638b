"""Celery tasks: thin, idempotent, and only calling services. Nothing imports them: work is asked
for by task name (ingestion.enqueue)."""

import logging
import time

from celery import shared_task
from django.core.cache import cache

from ingestion.doors.search import search_poll
from ingestion.enqueue import INBOX_KICK_KEY, inbox_kick
from ingestion.inbox import inbox_process_pending, inbox_stale_requeue

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def inbox_process(max_seconds: float = 50.0) -> int:
    """Drain the inbox in batches. Redelivered or run twice, it finds nothing left to do."""
    cache.delete(INBOX_KICK_KEY)
    started, processed = time.monotonic(), 0
    while time.monotonic() - started < max_seconds:
        result = inbox_process_pending()
        if not result.outcomes:
            break
        processed += len(result.outcomes)
    else:
        inbox_kick()  # more is waiting: continue in a fresh task so other work can interleave
    return processed


@shared_task(ignore_result=True)
def inbox_sweep() -> None:
    """Re-queue processing when rows have waited too long (a worker died mid-batch, a lost kick)."""
    inbox_stale_requeue()


@shared_task(ignore_result=True)
def replies_send(limit: int = 50) -> None:
    """Post the outbox's due replies: beat every 10 s, and kicked when a reply is queued. Run twice or
    at once, it posts each reply once (ingestion.delivery)."""
    from ingestion.delivery import replies_send_due
    from tickets.services.outbox import SENDER_KICK_KEY, outbox_sender_kick

    cache.delete(SENDER_KICK_KEY)
    summary = replies_send_due(limit=limit)
    if summary.claimed:
        logger.info("outbox: %s", summary)
    if summary.claimed >= limit:
        outbox_sender_kick()  # more may be due: continue in a fresh task


@shared_task(ignore_result=True)
def replies_reconcile() -> None:
    """Settle replies left "sending" by a sender that died or could not tell whether X posted them."""
    from ingestion.delivery import replies_reconcile as reconcile

    summary = reconcile()
    if summary.checked:
        logger.info("outbox reconciliation: %s", summary)


@shared_task(ignore_result=True)
def search_poll_task() -> None:
    """Poll recent search once (beat, every minute, when enabled). Run twice, the second finds nothing new."""
    search_poll()


@shared_task(ignore_result=True)
def account_tokens_refresh() -> None:
    """Renew the accounts' posting tokens that expire soon (beat, every minute). Run twice or at once,
    each refresh token is spent once (the credential's row lock)."""
    from ingestion.credentials.services import account_credentials_refresh_due

    summary = account_credentials_refresh_due()
    if summary.refreshed or summary.failed:
        logger.info("account tokens: %s", summary)
