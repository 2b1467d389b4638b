"""Every API operation, fuzzed from the app's own OpenAPI schema: no server errors, and every
documented response matches its schema. Runs in-process against the WSGI app, as a seeded officer.

Random strings rarely name a ticket, so path parameters and bodies are drawn now and then from
objects the test makes (tickets in every status, their escalations, a canned response) and from
valid bodies, so that the operations' success paths are fuzzed too, not only their 400s and 404s.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import User
from accounts.services import api_token_issue
from departments.models import CannedResponse
from tests.factories.tickets import ticket_of
from tickets.lifecycle import Status
from tickets.models import Escalation, Feedback

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    """Requests run in this thread, inside the test's transaction: keep Django from closing the
    connection between requests, as its own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


KNOWN_NUMBERS = [f"BSNL-9902-{index:06d}" for index in range(1, len(Status.values) + 1)]
KNOWN_ESCALATION_IDS = [900_000 + index for index in range(1, len(Status.values) + 1)]
KNOWN_CANNED_RESPONSE_ID = 900_001
VALID_BODIES = {
    "/assign/": [{"user": "bsnl_officer"}, {"user": "bsnl_supervisor"}],
    "/transition/": [{"to": status, "note": "The line is repaired."} for status in Status.values],
    "/reply/": [{"text": "A lineman will visit today."}],
    "/note/": [{"text": "Called the citizen."}],
    "/transfer/": [{"department": "POSTS", "reason": "A parcel, not a line."}],
    "/merge/": [{"into": number} for number in KNOWN_NUMBERS],
    "/canned-responses/create/": [{"department": "BSNL", "title": "Fuzzed", "text_en": "On it."}],
    "/update/": [{"title": "Renamed", "is_active": False}],
    "/auth/token/": [{"username": "bsnl_officer", "password": "demo-pass-123"}],
}


@pytest.fixture
def officer_token(seeded, settings) -> str:
    """A seeded officer's token, with their department's tickets in every state to act on."""
    officer = User.objects.get(username="bsnl_officer")
    for status, number, escalation_id in zip(Status.values, KNOWN_NUMBERS, KNOWN_ESCALATION_IDS, strict=True):
        ticket = ticket_of("BSNL", number=number, status=status, assigned_to=officer if status != Status.NEW else None)
        Escalation.objects.create(id=escalation_id, ticket=ticket, level=1, notify_department=ticket.department)
        if status == Status.RESOLVED:
            Feedback.objects.create(ticket=ticket, rating=4)
    CannedResponse.objects.create(
        id=KNOWN_CANNED_RESPONSE_ID, department=ticket.department, title="Known", text_en="On it."
    )
    # The token exchange is fuzzed too: let it answer rather than throttle, from a fresh count.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth_token": "100000/minute"},
    }
    cache.delete("throttle_auth_token_127.0.0.1")
    return api_token_issue(user=officer, actor=officer)[1]


# Loaded when the tests are collected: serving the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())


@schema.hook
def before_generate_path_parameters(context, strategy):
    path = context.operation.path
    known = {
        "{number}": st.fixed_dictionaries({"number": st.sampled_from(KNOWN_NUMBERS)}),
        "{escalation_id}": st.fixed_dictionaries({"escalation_id": st.sampled_from(KNOWN_ESCALATION_IDS)}),
        "{canned_response_id}": st.just({"canned_response_id": KNOWN_CANNED_RESPONSE_ID}),
    }
    return st.one_of(strategy, *(values for name, values in known.items() if name in path))


@schema.hook
def before_generate_body(context, strategy):
    path = context.operation.path
    bodies = [body for suffix, candidates in VALID_BODIES.items() if path.endswith(suffix) for body in candidates]
    return st.one_of(strategy, st.sampled_from(bodies)) if bodies else strategy


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_server_errors_and_responses_match_the_schema(case, officer_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {officer_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
