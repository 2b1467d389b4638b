"""The report page, /desk/reports/: who may see it, the figures it shows for the chosen scope and
period, exporting from it, and the exports list that htmx refreshes with a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories.exports import NOVEMBER, bsnl_tickets
from tickets.exports.models import ExportJob, ExportState

pytestmark = pytest.mark.django_db

PAGE = reverse("workspace:reports")
EXPORTS = reverse("workspace:report-exports")
EXPORT = reverse("workspace:report-export")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def test_the_page_shows_the_reports_figures_for_the_chosen_scope_and_period(few_tickets, people, signed_in):
    response = signed_in(people["auditor"]).get(PAGE, {"department": "BSNL", **NOVEMBER})

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.total.received, report.total.resolved) == (12, 6)
    html = response.content.decode()
    assert "BSNL" in html
    assert ">12<" in html


@pytest.mark.parametrize("who", ["auditor", "supervisor", "bsnl_admin", "admin"])
def test_reporting_roles_see_the_page(people, signed_in, who):
    assert signed_in(people[who]).get(PAGE).status_code == 200


def test_an_officer_is_refused(people, signed_in):
    response = signed_in(people["officer"]).get(PAGE)

    assert response.status_code == 403
    assert (
        signed_in(people["officer"])
        .post(EXPORT, {"start": "2026-11-01", "end": "2026-11-30", "format": "csv"})
        .status_code
        == 403
    )


def test_the_navigation_links_the_page(people, signed_in):
    html = signed_in(people["auditor"]).get(reverse("workspace:queue")).content.decode()

    assert f'href="{PAGE}"' in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"department": "BSNL", "start": "2026-11-30", "end": "2026-11-01"}, "end"),
        ({"department": "POSTS", **NOVEMBER}, "department"),
        ({"department": "BSNL", "start": "not a date", "end": "2026-11-01"}, "start"),
    ],
)
def test_a_bad_scope_or_period_is_a_form_error(people, signed_in, query, field):
    response = signed_in(people["supervisor"]).get(PAGE, query)

    assert response.status_code == 400
    assert field in response.context["scope_form"].errors
    assert response.context["report"] is None


def test_exporting_a_small_report_lists_it_ready_with_a_download_link(few_tickets, people, signed_in):
    client = signed_in(people["auditor"])

    response = client.post(EXPORT, {"department": "BSNL", **NOVEMBER, "format": "csv"}, follow=True)

    job = ExportJob.objects.get()
    assert job.state == ExportState.READY
    html = response.content.decode()
    assert reverse("workspace:report-export-file", args=[job.pk]) in html
    assert job.sha256 in html
    download = client.get(reverse("workspace:report-export-file", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")


def test_a_bad_export_is_a_form_error_and_stores_nothing(few_tickets, people, signed_in):
    response = signed_in(people["auditor"]).post(EXPORT, {"department": "BSNL", **NOVEMBER, "format": "exe"})

    assert response.status_code == 400
    assert "format" in response.context["export_form"].errors
    assert not ExportJob.objects.exists()


def test_someone_elses_export_is_404_on_the_page_too(few_tickets, people, signed_in):
    signed_in(people["auditor"]).post(EXPORT, {"department": "BSNL", **NOVEMBER, "format": "csv"})
    job = ExportJob.objects.get()

    for who, status in (("other_auditor", 404), ("supervisor", 404), ("ministry_admin", 200), ("admin", 200)):
        client = signed_in(people[who])
        assert client.get(reverse("workspace:report-export-file", args=[job.pk])).status_code == status, who
    assert signed_in(people["auditor"]).get(reverse("workspace:report-export-file", args=["x1"])).status_code == 404


def test_the_list_polls_while_an_export_is_building_and_stops_when_done(people, signed_in, settings):
    settings.SEVA_EXPORT_INLINE_MAX_ROWS = 5
    bsnl_tickets(12)
    client = signed_in(people["auditor"])
    client.post(EXPORT, {"department": "BSNL", **NOVEMBER, "format": "pdf"})

    waiting = client.get(EXPORTS, **HTMX).content.decode()
    assert 'hx-trigger="every 2s"' in waiting
    assert "<progress" in waiting

    ExportJob.objects.update(state=ExportState.FAILED, failure_reason="Stopped.", finished_at="2026-12-01T00:00Z")
    done = client.get(EXPORTS, **HTMX).content.decode()
    assert "hx-trigger" not in done
    assert "Stopped." in done


def test_the_list_costs_a_fixed_number_of_queries_however_many_exports(people, signed_in, settings):
    settings.SEVA_EXPORT_INLINE_MAX_ROWS = 5
    bsnl_tickets(12)
    client = signed_in(people["auditor"])
    client.post(EXPORT, {"department": "BSNL", **NOVEMBER, "format": "csv"})
    with CaptureQueriesContext(connection) as one:
        client.get(EXPORTS, **HTMX)
    for fmt in ("xlsx", "pdf"):
        client.post(EXPORT, {"department": "BSNL", **NOVEMBER, "format": fmt})
    ExportJob.objects.create(requested_by=people["auditor"], start="2026-11-01", end="2026-11-02", format="csv")
    with CaptureQueriesContext(connection) as four:
        response = client.get(EXPORTS, **HTMX)

    assert response.content.decode().count('data-state="') == 4
    assert len(four) == len(one)
