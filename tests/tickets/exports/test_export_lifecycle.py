"""An export job's life beyond the happy path: a build that fails leaves no file and says why, a
redelivered task changes nothing, a dead build is taken over, progress is written where the page
can read it, and files are deleted after SEVA_EXPORT_RETENTION_DAYS."""

import os
from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.utils import timezone

from departments.models import Membership
from tests.factories.exports import NOVEMBER, bsnl_tickets
from tickets.exports import services
from tickets.exports.files import export_part_path, export_path, exports_dir
from tickets.exports.models import ExportJob, ExportState
from tickets.exports.services import ExportExpired, export_build, export_file_check, export_request, exports_expire
from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db

START, END = date.fromisoformat(NOVEMBER["start"]), date.fromisoformat(NOVEMBER["end"])


@pytest.fixture
def queued(people, settings):
    """The auditor's CSV of November's BSNL tickets, waiting for a worker."""
    settings.SEVA_EXPORT_INLINE_MAX_ROWS = 5
    bsnl_tickets(12)
    return export_request(user=people["auditor"], department_code="BSNL", start=START, end=END, fmt="csv")


def exported_events() -> int:
    return AuditEvent.objects.filter(kind=EventKind.EXPORTED).count()


def test_a_requester_who_lost_the_right_gets_a_failed_export_and_no_file(queued, people):
    Membership.objects.filter(user=people["auditor"]).delete()

    job = export_build(job_id=queued.pk)

    assert job.state == ExportState.FAILED
    assert job.failure_reason
    assert job.file_name == ""
    assert list(exports_dir().iterdir()) == []
    assert exported_events() == 0


def test_a_writer_that_breaks_fails_the_job_and_leaves_no_part_behind(queued, monkeypatch):
    def broken(*, out, **kwargs):
        out.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(services, "report_file_write", broken)

    job = export_build(job_id=queued.pk)

    assert job.state == ExportState.FAILED
    assert str(job.failure_reason) == str(services.BUILD_FAILED)
    assert list(exports_dir().iterdir()) == []
    assert exported_events() == 0


def test_a_redelivered_task_changes_nothing(queued):
    built = export_build(job_id=queued.pk)

    again = export_build(job_id=queued.pk)

    assert (again.state, again.file_name, again.sha256) == (ExportState.READY, built.file_name, built.sha256)
    assert exported_events() == 1


def test_a_build_in_progress_is_left_to_its_worker(queued):
    ExportJob.objects.filter(pk=queued.pk).update(
        state=ExportState.BUILDING, file_name="a" * 32 + ".csv", started_at=timezone.now(), progress_at=timezone.now()
    )

    job = export_build(job_id=queued.pk)

    assert (job.state, job.file_name) == (ExportState.BUILDING, "a" * 32 + ".csv")


def test_a_build_that_went_quiet_is_taken_over_under_a_new_name(queued):
    dead = "b" * 32 + ".csv"
    export_part_path(dead).write_bytes(b"what the dead worker wrote")
    long_ago = timezone.now() - services.BUILD_STALE_AFTER - timedelta(minutes=1)
    ExportJob.objects.filter(pk=queued.pk).update(
        state=ExportState.BUILDING, file_name=dead, started_at=long_ago, progress_at=long_ago
    )

    job = export_build(job_id=queued.pk)

    assert job.state == ExportState.READY
    assert job.file_name != dead
    assert not export_part_path(dead).exists()
    assert export_path(job.file_name).exists()


def test_the_file_is_renamed_into_place_only_when_complete(queued, monkeypatch):
    seen = []
    real = services.report_file_write

    def watching(**kwargs):
        result = real(**kwargs)
        job = ExportJob.objects.get(pk=queued.pk)
        seen.append((job.state, export_path(job.file_name).exists(), export_part_path(job.file_name).exists()))
        return result

    monkeypatch.setattr(services, "report_file_write", watching)

    job = export_build(job_id=queued.pk)

    assert seen == [(ExportState.BUILDING, False, True)]
    assert export_path(job.file_name).exists()
    assert not export_part_path(job.file_name).exists()


# Expiry.


@pytest.fixture
def ready(queued):
    return export_build(job_id=queued.pk)


def test_expiry_deletes_the_file_and_keeps_its_hash(ready):
    later = ready.expires_at + timedelta(seconds=1)

    assert exports_expire(now=later) == 1

    job = ExportJob.objects.get(pk=ready.pk)
    assert (job.state, job.file_name, job.sha256) == (ExportState.EXPIRED, "", ready.sha256)
    assert not export_path(ready.file_name).exists()
    with pytest.raises(ExportExpired):
        export_file_check(job=job)


def test_an_export_within_its_retention_is_kept(ready):
    assert exports_expire(now=ready.expires_at - timedelta(minutes=1)) == 0

    assert ExportJob.objects.get(pk=ready.pk).state == ExportState.READY
    assert export_path(ready.file_name).exists()


def test_a_shortened_retention_applies_to_files_already_made(ready, settings):
    settings.SEVA_EXPORT_RETENTION_DAYS = 1

    assert exports_expire(now=ready.finished_at + timedelta(days=1, seconds=1)) == 1


def test_the_expired_file_answers_409_with_its_own_code(ready, people, client_for):
    exports_expire(now=ready.expires_at + timedelta(seconds=1))

    response = client_for(people["auditor"]).get(f"/api/v1/reports/exports/{ready.pk}/file/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "export_expired"


def test_expiry_removes_old_leftovers_of_dead_builds_but_not_live_files(ready):
    leftover = export_part_path("c" * 32 + ".pdf")
    leftover.write_bytes(b"left behind")
    old = (timezone.now() - timedelta(days=30)).timestamp()
    os.utime(leftover, (old, old))
    os.utime(export_path(ready.file_name), (old, old))

    exports_expire(now=timezone.now())

    assert not leftover.exists()
    assert export_path(ready.file_name).exists()  # its job says it is ready until expires_at


def test_the_beat_expires_exports_hourly():
    entry = django_settings.CELERY_BEAT_SCHEDULE["exports-expire"]

    assert (entry["task"], entry["schedule"]) == ("tickets.tasks.exports_expire_task", 3600.0)


@pytest.mark.django_db(transaction=True)
def test_progress_is_written_where_the_page_reads_it_while_the_writer_holds_a_transaction(
    seeded, settings, tmp_path, monkeypatch
):
    """The recorder writes on a connection of its own: a writer reading in one transaction (a
    consistent snapshot) would otherwise hide the progress until the end."""
    from django.db import transaction

    from accounts.models import User

    def _read_elsewhere(job_id: int) -> tuple[int, int]:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT rows_done, rows_total FROM tickets_exportjob WHERE id = %s", [job_id])
                return cursor.fetchone()
        finally:
            other.close()

    settings.SEVA_EXPORT_INLINE_MAX_ROWS = 5
    bsnl_tickets(12)
    job = export_request(
        user=User.objects.get(username="auditor"), department_code="BSNL", start=START, end=END, fmt="csv"
    )
    seen = []
    real = services.report_file_write

    def slow_writer(*, on_progress, **kwargs):
        with transaction.atomic():
            on_progress(4, 12)
            seen.append(_read_elsewhere(job.pk))  # as the page's request would, on its own connection
        return real(on_progress=on_progress, **kwargs)

    monkeypatch.setattr(services, "report_file_write", slow_writer)
    monkeypatch.setattr(services, "PROGRESS_EVERY_SECONDS", 0)

    export_build(job_id=job.pk)

    assert seen == [(4, 12)]
