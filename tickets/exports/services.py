"""Export jobs: asking for one, building its file, expiring it.

A request is checked by the report's own checks (the period, the department, the user's
reporting right) before anything is stored. A report of at most SEVA_EXPORT_INLINE_MAX_ROWS
tickets is built at once, in the request; a bigger one by a worker (the task that tickets/apps.py
registers: services do not import tasks). The file goes through
`tickets.reports.writer.report_file_write` into a `.part` file through a writer that counts and
hashes its bytes; it is renamed into place and the job marked ready, with its EXPORTED event
(rows and SHA-256), in one short transaction at the end, so no job is ever ready with half a file.
"""

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import Department
from seva.errors import AppError
from tickets.audit import audit_event_append
from tickets.events.report import report_export_built_event
from tickets.exports.files import (
    export_file_finish,
    export_file_name_new,
    export_files_remove,
    export_part_path,
    exports_dir,
)
from tickets.exports.models import ExportFormat, ExportJob, ExportState
from tickets.exports.selectors import export_active_count
from tickets.reports.scope import ReportDepartmentNotFound, ReportForbidden, ReportInputInvalid
from tickets.reports.writer import report_file_write, report_ticket_count

logger = logging.getLogger(__name__)

# Exports one user may have waiting or building at once: each holds a worker for minutes.
ACTIVE_EXPORTS_PER_USER = 3
# A build that has given no sign of life for this long is taken to have died with its worker.
BUILD_STALE_AFTER = timedelta(minutes=15)
# Progress is written at most this often (seconds): a row count per second is plenty for a page.
PROGRESS_EVERY_SECONDS = 1.0
BUILD_FAILED = _("The file could not be built. Try again, or ask an administrator to look at the logs.")
BUILD_TOO_LONG = _("The file took too long to build. Choose a shorter period or a smaller scope.")


class ExportLimitReached(AppError):
    """Too many of the user's exports are still waiting or building: HTTP 429."""

    http_status = 429

    def __init__(self) -> None:
        super().__init__(
            "too_many_exports",
            _("You have %(count)d exports waiting or building; wait for one to finish.")
            % {"count": ACTIVE_EXPORTS_PER_USER},
            retry_after=60,
        )


class ExportNotReady(AppError):
    """The file is not (yet, or ever) there to download: HTTP 409."""

    http_status = 409

    def __init__(self, state: str) -> None:
        super().__init__("export_not_ready", _("This export is %(state)s, not ready.") % {"state": state})


class ExportExpired(AppError):
    """The file was deleted after its retention: HTTP 409, as any other state that has no file (the
    code tells them apart)."""

    http_status = 409

    def __init__(self) -> None:
        super().__init__("export_expired", _("This export's file has expired; ask for a new one."))


# The worker's entry point, registered by tickets/apps.py: enqueue the build of one job.
_build_enqueue = None


def export_build_register(*, enqueue) -> None:
    global _build_enqueue  # noqa: PLW0603 - one hook per process, set once at start-up
    _build_enqueue = enqueue


def _build_kick(job_id: int) -> None:
    if _build_enqueue is not None:
        _build_enqueue(job_id)


def export_request(
    *, user: User, department_code: str | None, start: date, end: date, fmt: str, language: str = "en"
) -> ExportJob:
    """Ask for the report of this scope and period as a `fmt` file. Raises the report's refusals
    (ReportInputInvalid 400, ReportDepartmentNotFound 404, ReportForbidden 403) and
    ExportLimitReached (429). Small reports come back built (ready, or failed); others queued."""
    if fmt not in ExportFormat.values:
        raise ReportInputInvalid({"format": [_("Choose CSV, XLSX, PDF or JSON.")]})
    department_code = (department_code or "").strip() or None
    total = report_ticket_count(user=user, department_code=department_code, start=start, end=end)
    department = Department.objects.filter(code__iexact=department_code).first() if department_code else None
    inline = total <= settings.SEVA_EXPORT_INLINE_MAX_ROWS
    with transaction.atomic():
        # One request at a time per user, so two cannot both pass the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if export_active_count(user=user) >= ACTIVE_EXPORTS_PER_USER:
            raise ExportLimitReached
        job = ExportJob.objects.create(
            requested_by=user,
            department=department,
            start=start,
            end=end,
            format=fmt,
            language=(language or "en")[:12],
            rows_total=total,
        )
        if not inline:
            transaction.on_commit(partial(_build_kick, job.pk), robust=True)
    if inline:
        return export_build(job_id=job.pk, report_progress=False)
    return job


@dataclass
class _ProgressRecorder:
    """Writes a build's progress (and so its sign of life) now and then, on a connection of its own:
    the report's writer may read inside a transaction of its own, which would hide the progress
    from the page until the end."""

    job_id: int
    file_name: str
    _last: float = 0.0
    _connection = None

    def __call__(self, rows_done: int, rows_total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY_SECONDS:
            return
        self._last = now
        if self._connection is None:
            self._connection = connections.create_connection("default")
        with self._connection.cursor() as cursor:
            cursor.execute(
                "UPDATE tickets_exportjob SET rows_done = %s, progress_at = now(),"
                " rows_total = GREATEST(COALESCE(%s, rows_total), %s)"
                " WHERE id = %s AND state = %s AND file_name = %s",
                [rows_done, rows_total, rows_done, self.job_id, ExportState.BUILDING, self.file_name],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _claim(*, job_id: int, now: datetime) -> tuple[ExportJob | None, str]:
    """Mark the job building under a fresh file name, if it is queued (or its build died); returns
    it (None when there is nothing to do) and the name of a dead build's file to remove."""
    with transaction.atomic():
        jobs = ExportJob.objects.select_for_update(of=("self",)).select_related("requested_by", "department")
        job = jobs.filter(pk=job_id).first()
        if job is None:
            return None, ""
        stale = job.state == ExportState.BUILDING and (job.progress_at or job.started_at) < now - BUILD_STALE_AFTER
        if job.state != ExportState.QUEUED and not stale:
            return None, ""
        dead_file = job.file_name
        job.state = ExportState.BUILDING
        job.file_name = export_file_name_new(fmt=job.format)
        job.started_at = job.progress_at = now
        job.rows_done = 0
        job.save(update_fields=["state", "file_name", "started_at", "progress_at", "rows_done"])
        return job, dead_file


def _fail(*, job: ExportJob, reason) -> ExportJob:
    export_files_remove(job.file_name)
    ExportJob.objects.filter(pk=job.pk, state=ExportState.BUILDING, file_name=job.file_name).update(
        state=ExportState.FAILED, file_name="", failure_reason=str(reason)[:500], finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def export_build(*, job_id: int, report_progress: bool = True) -> ExportJob | None:
    """Build the job's file (the task, or the request for a small report). Safe to run twice: a job
    that is not queued is left alone, unless its build has died (BUILD_STALE_AFTER), when this run
    takes it over under a new file name. Returns the job as it ends, or None if there is none."""
    job, dead_file = _claim(job_id=job_id, now=timezone.now())
    if job is None:
        return ExportJob.objects.filter(pk=job_id).first()
    if dead_file:
        export_files_remove(dead_file)
    name = job.file_name
    progress = _ProgressRecorder(job_id=job.pk, file_name=name) if report_progress else None
    exports_dir()
    try:
        with export_part_path(name).open("xb") as raw:
            written = report_file_write(
                user=job.requested_by,
                department_code=job.department.code if job.department else None,
                start=job.start,
                end=job.end,
                fmt=job.format,
                out=raw,  # report_file_write writes forward only and hashes what it writes
                on_progress=progress,
                language=job.language,
            )
            export_file_finish(raw, file_name=name)
    except (ReportForbidden, ReportDepartmentNotFound, ReportInputInvalid) as exc:
        # The requester lost the right (or the department) since they asked.
        return _fail(job=job, reason=exc.message)
    except Exception as exc:  # a time limit, a full disk, a bug: the job says so, the log says why
        logger.exception("export %s failed", job.pk)
        too_long = type(exc).__name__ in {"SoftTimeLimitExceeded", "TimeLimitExceeded"}
        return _fail(job=job, reason=BUILD_TOO_LONG if too_long else BUILD_FAILED)
    finally:
        if progress is not None:
            progress.close()
    try:
        return _finish(job=job, written=written, size_bytes=written.size_bytes, sha256=written.sha256)
    except Exception:
        export_files_remove(name)
        raise


@transaction.atomic
def _finish(*, job: ExportJob, written, size_bytes: int, sha256: str) -> ExportJob:
    current = ExportJob.objects.select_for_update().filter(pk=job.pk).first()
    if current is None or current.state != ExportState.BUILDING or current.file_name != job.file_name:
        # Another run took the job over while this one was slow: its file is the one that counts.
        transaction.on_commit(partial(export_files_remove, job.file_name))
        return current
    finished = timezone.now()
    current.state = ExportState.READY
    current.rows_done = current.rows_total = written.ticket_rows
    current.size_bytes = size_bytes
    current.sha256 = sha256
    current.finished_at = finished
    current.expires_at = finished + timedelta(days=settings.SEVA_EXPORT_RETENTION_DAYS)
    current.save(
        update_fields=["state", "rows_done", "rows_total", "size_bytes", "sha256", "finished_at", "expires_at"]
    )
    audit_event_append(
        report_export_built_event(
            actor_id=current.requested_by_id,
            export_id=current.pk,
            fmt=current.format,
            department_code=written.report.department_code,
            start=current.start,
            end=current.end,
            rows=written.report.row_counts(),
            received=written.report.total.received,
            filename=export_download_name(current),
            size_bytes=size_bytes,
            ticket_rows=written.ticket_rows,
            sha256=sha256,
        )
    )
    return current


def export_download_name(job: ExportJob) -> str:
    """The name the file is downloaded under (from the job's checked fields, not its storage name)."""
    scope = job.department.code.lower() if job.department_id else "all"
    return f"accountability-{scope}-{job.start}-{job.end}.{job.format}"


def export_file_check(*, job: ExportJob) -> None:
    """Raise unless the job's file may be downloaded now: ExportExpired, ExportNotReady (both 409)."""
    if job.state == ExportState.EXPIRED:
        raise ExportExpired
    if job.state != ExportState.READY:
        raise ExportNotReady(ExportState(job.state).label)


def exports_expire(*, now: datetime | None = None) -> int:
    """Delete the files of ready exports past their time (expires_at, or SEVA_EXPORT_RETENTION_DAYS
    after they were finished, whichever is sooner, so a shortened retention applies at once), and
    leftovers of builds that died; returns how many exports expired. The beat runs it hourly."""
    now = now or timezone.now()
    retention = timedelta(days=settings.SEVA_EXPORT_RETENTION_DAYS)
    due = Q(expires_at__lte=now) | Q(finished_at__lte=now - retention)
    with transaction.atomic():
        jobs = list(
            ExportJob.objects.select_for_update(skip_locked=True)
            .filter(due, state=ExportState.READY)
            .values_list("id", "file_name")
        )
        ExportJob.objects.filter(id__in=[job_id for job_id, _name in jobs]).update(
            state=ExportState.EXPIRED, file_name=""
        )
    for _job_id, name in jobs:
        export_files_remove(name)
    _orphans_remove(older_than=now - max(retention, BUILD_STALE_AFTER))
    return len(jobs)


def _orphans_remove(*, older_than: datetime) -> None:
    """Files in the exports folder that no ready or building job names (a worker killed mid-build,
    a rename whose transaction then failed), once they are old enough not to be in use."""
    kept = set(
        ExportJob.objects.filter(state__in=[ExportState.READY, ExportState.BUILDING])
        .exclude(file_name="")
        .values_list("file_name", flat=True)
    )
    cutoff = older_than.timestamp()
    for path in exports_dir().iterdir():
        name = path.name.removesuffix(".part")
        if name not in kept and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
