"""Celery tasks: thin, safe to run twice, and only calling services."""

from celery import shared_task
from django.conf import settings

from tickets.dashboard.services import dashboard_rollup_compact
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


@shared_task(ignore_result=True)
def business_times_fill_task() -> int:
    """Beat, every 30 seconds: the business times of tickets answered or resolved since."""
    return ticket_business_times_fill()


@shared_task(ignore_result=True)
def dashboard_rollup_compact_task() -> int:
    """Beat, every 5 minutes: the dashboard's rollup deltas folded, one row per key."""
    return dashboard_rollup_compact()
