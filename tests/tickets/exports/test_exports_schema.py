"""The export endpoints fuzzed from the app's own OpenAPI schema with every check schemathesis has,
as an auditor who may export (the whole-API fuzz runs as an officer, who is refused): valid bodies
and known export ids are drawn now and then, so the success paths are checked too."""

from datetime import date, timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from accounts.services import api_token_issue
from tests.factories.exports import NOVEMBER, bsnl_tickets
from tickets.exports.models import ExportJob, ExportState
from tickets.reports.scope import MAX_PERIOD_DAYS

pytestmark = pytest.mark.django_db

KNOWN_EXPORT_IDS = [910_001, 910_002, 910_003]
VALID_BODIES = [{"department": "BSNL", **NOVEMBER, "format": fmt} for fmt in ("csv", "json")]


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auditor_token(people) -> str:
    """The ministry auditor's token, with one export of theirs in each of ready, queued and expired."""
    from tickets.exports.services import export_request

    bsnl_tickets(6)
    auditor = people["auditor"]
    ready = export_request(user=auditor, department_code="BSNL", start=NOVEMBER_START, end=NOVEMBER_END, fmt="csv")
    ExportJob.objects.filter(pk=ready.pk).update(id=KNOWN_EXPORT_IDS[0])
    ExportJob.objects.create(
        id=KNOWN_EXPORT_IDS[1], requested_by=auditor, start=NOVEMBER_START, end=NOVEMBER_END, format="pdf"
    )
    expired = ExportJob.objects.get(pk=KNOWN_EXPORT_IDS[0])
    expired.pk = KNOWN_EXPORT_IDS[2]
    expired.state, expired.file_name, expired.expires_at = ExportState.EXPIRED, "", None
    expired.save(force_insert=True)
    return api_token_issue(user=auditor, actor=auditor)[1]


NOVEMBER_START, NOVEMBER_END = (date.fromisoformat(NOVEMBER[key]) for key in ("start", "end"))

schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler()).include(path_regex="/reports/exports/")


@schema.hook
def before_generate_path_parameters(context, strategy):
    return st.one_of(strategy, st.fixed_dictionaries({"export_id": st.sampled_from(KNOWN_EXPORT_IDS)}))


def _period_within_bounds(body):
    """The schema cannot say that the period is at most 366 days within 2006-2100 (the description
    does): a generated body whose dates parse gets such a period, keeping its start's day of year."""
    if not isinstance(body, dict):
        return body
    try:
        start, end = date.fromisoformat(body["start"]), date.fromisoformat(body["end"])
    except (KeyError, TypeError, ValueError):
        return body
    start = start.replace(year=2006 + start.year % 90, day=min(start.day, 28))
    end = start + timedelta(days=abs((end - date(end.year, 1, 1)).days) % MAX_PERIOD_DAYS)
    return {**body, "start": start.isoformat(), "end": end.isoformat()}


@schema.hook
def before_generate_body(context, strategy):
    return st.one_of(strategy, st.sampled_from(VALID_BODIES))


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_check_passes_on_the_export_endpoints(case, auditor_token, settings):
    settings.SEVA_EXPORT_INLINE_MAX_ROWS = 100
    # Here, not in a hook: the coverage phase's cases do not go through the generation hooks.
    case.body = _period_within_bounds(case.body)
    case.call_and_validate(headers={"Authorization": f"Token {auditor_token}"})
