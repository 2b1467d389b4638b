"""Celery tasks: thin, safe to run twice, and only calling services."""

from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from tickets.dashboard.services import dashboard_rollup_compact
from tickets.digest.selectors import digest_recipients, digest_yesterday
from tickets.digest.services import daily_digest_send_to
from tickets.exports.services import export_build, exports_expire
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


# A big export outlives the default time limits; past the soft one the job is marked failed.
_EXPORT_TIME_LIMIT = settings.SEVA_EXPORT_TIME_LIMIT_MINUTES * 60


@shared_task(ignore_result=True, soft_time_limit=_EXPORT_TIME_LIMIT, time_limit=_EXPORT_TIME_LIMIT + 60)
def export_build_task(job_id: int) -> str | None:
    """Enqueued when a big export is asked for. A redelivered run finds the job built (or being
    built) and does nothing."""
    job = export_build(job_id=job_id)
    return job.state if job else None


@shared_task(ignore_result=True)
def exports_expire_task() -> int:
    """Beat, hourly: exports past SEVA_EXPORT_RETENTION_DAYS lose their files."""
    return exports_expire()


# A recipient whose mail failed (the mail server down) is tried again this many times, this far apart.
DIGEST_RETRIES = 6
DIGEST_RETRY_SECONDS = 15 * 60


@shared_task(ignore_result=True)
def daily_digest_task(day: str | None = None) -> int:
    """Beat, each morning: a task per recipient still owed yesterday's digest (`day`, ISO, for another
    day), so one slow report or failed mail holds up no one else and stays within a task's time limit.
    Run twice, it hands out tasks twice, and each of the second finds its digest sent."""
    owed_day = date.fromisoformat(day) if day else digest_yesterday(now=timezone.now())
    user_ids = list(digest_recipients(day=owed_day).values_list("id", flat=True))
    for user_id in user_ids:
        daily_digest_send_task.delay(user_id=user_id, day=owed_day.isoformat())
    return len(user_ids)


@shared_task(bind=True, ignore_result=True, max_retries=DIGEST_RETRIES)
def daily_digest_send_task(self, user_id: int, day: str) -> bool:
    """One recipient's digest of `day`; sent at most once however often it runs (DailyDigestSent)."""
    try:
        return daily_digest_send_to(user_id=user_id, day=date.fromisoformat(day))
    except Exception as error:  # the mail server or the report: try again later, the send record says what went
        raise self.retry(exc=error, countdown=DIGEST_RETRY_SECONDS) from error


@shared_task(ignore_result=True)
def business_times_fill_task() -> int:
    """Beat, every 30 seconds: the business times of tickets answered or resolved since."""
    return ticket_business_times_fill()


@shared_task(ignore_result=True)
def dashboard_rollup_compact_task() -> int:
    """Beat, every 5 minutes: the dashboard's rollup deltas folded, one row per key."""
    return dashboard_rollup_compact()
