"""Celery tasks: thin, safe to run twice, and only calling services."""

from datetime import date

from celery import shared_task

from tickets.digest.services import daily_digests_send
from tickets.services.assignment import tickets_auto_assign
from tickets.services.auto_close import tickets_close_resolved
from tickets.services.sla_sweep import sla_sweep
from tickets.sla.business_times import ticket_business_times_fill


@shared_task(ignore_result=True)
def sla_sweep_task() -> dict[str, int]:
    """Beat, every minute. A second run at once waits for the first and finds nothing new."""
    summary = sla_sweep()
    return {f"L{level}": count for level, count in sorted(summary.raised.items())}


@shared_task(ignore_result=True)
def close_resolved_task() -> int:
    """Beat, hourly: resolved tickets close themselves after 7 days."""
    return tickets_close_resolved()


@shared_task(ignore_result=True)
def auto_assign_task(department_ids: list[int] | None = None) -> int:
    """Beat, every minute, for every department (None); enqueued by intake for its new tickets'
    departments and units. A redelivered run finds those tickets assigned and gives out nothing twice."""
    return tickets_auto_assign(department_ids=department_ids)


# A failed recipient (the mail server down) is tried again this many times, this far apart.
DIGEST_RETRIES = 6
DIGEST_RETRY_SECONDS = 15 * 60


@shared_task(bind=True, ignore_result=True, max_retries=DIGEST_RETRIES)
def daily_digest_task(self, day: str | None = None) -> int:
    """Beat, each morning: yesterday's digest to each recipient (`day`, ISO, for another). Run twice or
    retried, it sends only what is still owed: a retry after a failure reaches only those it failed."""
    run = daily_digests_send(day=date.fromisoformat(day) if day else None)
    if run.failed:
        raise self.retry(kwargs={"day": run.day.isoformat()}, countdown=DIGEST_RETRY_SECONDS)
    return run.sent


@shared_task(ignore_result=True)
def business_times_fill_task() -> int:
    """Beat, every 30 seconds: the business times of tickets answered or resolved since."""
    return ticket_business_times_fill()
