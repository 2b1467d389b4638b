"""Export jobs end to end through the API: a small report is built at once, a big one in the
background (Celery, eager here), each finished file an EXPORTED event with its row count and the
file's SHA-256; only the user who asked and the ministry's admins may read or download it."""

import hashlib

import pytest
from django.urls import reverse

from seva.celery import app as celery_app
from tests.factories.exports import NOVEMBER, bsnl_tickets
from tickets.audit import ChainBreak, audit_chain_verify
from tickets.exports.models import ExportJob
from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db

EXPORTS = reverse("report-export-list")


def detail(job_id: int) -> str:
    return reverse("report-export-detail", args=[job_id])


def file_of(job_id: int) -> str:
    return reverse("report-export-file", args=[job_id])


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def eager_celery():
    """Tasks run where they are enqueued (after the request's commit), as a worker would run them."""
    was = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = was


def test_a_small_export_is_ready_at_once_and_its_event_holds_the_files_hash(
    few_tickets, people, client_for, django_capture_on_commit_callbacks
):
    client = client_for(people["auditor"])
    response = client.post(EXPORTS, {"department": "BSNL", **NOVEMBER, "format": "csv"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "ready"
    assert body["download_url"] == file_of(body["id"])
    content = downloaded(client.get(body["download_url"]))
    assert hashlib.sha256(content).hexdigest() == body["sha256"]
    assert len(content) == body["size_bytes"]
    event = AuditEvent.objects.filter(kind=EventKind.EXPORTED).latest("id")
    assert event.actor == people["auditor"]
    assert event.data["export"] == body["id"]
    assert event.data["sha256"] == body["sha256"]
    assert event.data["bytes"] == len(content)
    assert event.data["ticket_rows"] == body["rows_done"] == body["rows_total"]
    assert not [step for step in audit_chain_verify() if isinstance(step, ChainBreak)]


def test_the_download_is_an_attachment_named_after_the_report(few_tickets, people, client_for):
    client = client_for(people["auditor"])
    job = client.post(EXPORTS, {"department": "BSNL", **NOVEMBER, "format": "xlsx"}, format="json").json()

    response = client.get(job["download_url"])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="accountability-bsnl-2026-11-01-2026-11-30.xlsx"'
    assert downloaded(response)[:2] == b"PK"


def test_a_big_export_is_queued_then_built_in_the_background(
    people, client_for, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.SEVA_EXPORT_INLINE_MAX_ROWS = 100
    bsnl_tickets(20_000)
    client = client_for(people["auditor"])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(EXPORTS, {"department": "BSNL", **NOVEMBER, "format": "csv"}, format="json")

    assert response.status_code == 201
    assert response.json()["state"] == "queued"
    assert response.json()["rows_total"] == 20_000
    assert len(callbacks) == 1  # the build, enqueued once the job is committed
    job = client.get(detail(response.json()["id"])).json()
    assert job["state"] == "ready"
    content = downloaded(client.get(job["download_url"]))
    digest = hashlib.sha256(content).hexdigest()
    event = AuditEvent.objects.filter(kind=EventKind.EXPORTED, data__export=job["id"]).get()
    assert (event.data["sha256"], event.data["bytes"]) == (digest, len(content))
    assert event.data["ticket_rows"] == job["rows_done"] == 20_000
    assert event.data["received"] == 20_000


def test_only_the_requester_and_the_ministrys_admins_may_read_or_download(few_tickets, people, client_for):
    job = (
        client_for(people["auditor"])
        .post(EXPORTS, {"department": "BSNL", **NOVEMBER, "format": "csv"}, format="json")
        .json()
    )

    for who in ("admin", "ministry_admin"):
        client = client_for(people[who])
        assert client.get(detail(job["id"])).status_code == 200, who
        assert client.get(file_of(job["id"])).status_code == 200, who
    for who in ("other_auditor", "supervisor", "officer", "bsnl_admin"):
        client = client_for(people[who])
        assert client.get(detail(job["id"])).status_code == 404, who
        assert client.get(file_of(job["id"])).status_code == 404, who
        assert job["id"] not in [row["id"] for row in client.get(EXPORTS).json()["results"]], who
    assert client_for(people["admin"]).get(EXPORTS).json()["results"] == []  # the list is of one's own


def test_an_officer_may_not_export(few_tickets, people, client_for):
    response = client_for(people["officer"]).post(
        EXPORTS, {"department": "BSNL", **NOVEMBER, "format": "csv"}, format="json"
    )

    assert response.status_code == 403
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("code", ["POSTS", "NOPE"])
def test_another_or_no_departments_export_is_404_and_stores_nothing(few_tickets, people, client_for, code):
    response = client_for(people["supervisor"]).post(
        EXPORTS, {"department": code, **NOVEMBER, "format": "csv"}, format="json"
    )

    assert response.status_code == 404
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"department": "BSNL", **NOVEMBER, "format": "docx"}, "format"),
        ({"department": "BSNL", "start": "2026-11-30", "end": "2026-11-01", "format": "csv"}, "end"),
        ({"department": "BSNL", "start": "2025-01-01", "end": "2026-11-01", "format": "csv"}, "end"),
        ({"department": "BSNL", "start": "1900-01-01", "end": "1900-01-02", "format": "csv"}, "start"),
        ({"department": "B" * 17, **NOVEMBER, "format": "csv"}, "department"),
        ({"department": "BSNL", "start": "someday", "end": "2026-11-01", "format": "csv"}, "start"),
        ({"department": "BSNL", "end": "2026-11-01", "format": "csv"}, "start"),
    ],
)
def test_bad_input_is_400_naming_the_field(few_tickets, people, client_for, body, field):
    response = client_for(people["auditor"]).post(EXPORTS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("export_id", [0, 999_999, 10**30])
def test_unknown_exports_are_404(people, client_for, export_id):
    client = client_for(people["auditor"])

    assert client.get(f"{EXPORTS}{export_id}/").status_code == 404
    assert client.get(f"{EXPORTS}{export_id}/file/").status_code == 404


def test_a_queued_export_cannot_be_downloaded_yet(people, client_for, settings):
    settings.SEVA_EXPORT_INLINE_MAX_ROWS = 5
    bsnl_tickets(12)
    client = client_for(people["auditor"])
    job = client.post(EXPORTS, {"department": "BSNL", **NOVEMBER, "format": "csv"}, format="json").json()

    response = client.get(file_of(job["id"]))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "export_not_ready"


def test_a_user_has_at_most_three_exports_waiting(people, client_for, settings):
    settings.SEVA_EXPORT_INLINE_MAX_ROWS = 5
    bsnl_tickets(12)
    client = client_for(people["auditor"])
    for _ in range(3):
        assert client.post(EXPORTS, {**NOVEMBER, "format": "csv"}, format="json").status_code == 201

    response = client.post(EXPORTS, {**NOVEMBER, "format": "csv"}, format="json")

    assert response.status_code == 429
    assert ExportJob.objects.count() == 3
