"""One error base: the services' refusals are AppErrors with a stable code and a translatable
message, which the API (its error shape) and the workspace (its forms) show in the reader's language."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from seva.errors import AppError
from tests.ingestion.factories import BSNL, tweet_id_of, v2_tweet
from tickets.models import TicketMessage
from tickets.reports.figures import ReportForbidden
from tickets.services import ActionConflict, TicketActionError, ticket_transition
from tickets.services.outbox import ReplyTextInvalid

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ticket(ingest_lines):
    page = v2_tweet("@BSNLCorporate broadband down for a week in Kochi #BSNLSeva", mentions=[BSNL])
    ingest_lines(page)
    return TicketMessage.objects.select_related("ticket").get(tweet_id=int(tweet_id_of(page))).ticket


def signed_in(client, username: str, *, language: str = "en"):
    client.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("set_language"), {"language": language, "next": reverse("workspace:queue")})
    return client


def test_every_refusal_derives_from_the_one_base():
    assert issubclass(TicketActionError, AppError)
    assert issubclass(ReplyTextInvalid, TicketActionError)
    # The reports' refusal is the application's error and still Django's own.
    assert isinstance(ReportForbidden(), AppError)
    assert isinstance(ReportForbidden(), PermissionDenied)


def test_the_workspace_shows_a_service_field_error_in_hindi(client, ticket):
    response = signed_in(client, "bsnl_officer", language="hi").post(
        reverse("workspace:ticket-action", args=[ticket.number, "transfer"]),
        {"department": "POSTS", "reason": ""},
        **HTMX,
    )
    assert response.status_code == 400
    assert "कारण बताएँ।" in response.content.decode()


def test_a_message_with_values_is_worded_when_shown_not_when_raised(ticket):
    with pytest.raises(ActionConflict) as refused:
        ticket_transition(actor=User.objects.get(username="bsnl_officer"), number=ticket.number, to="closed")
    with translation.override("hi"):
        assert str(refused.value.message) == "टिकट new से closed में नहीं जा सकता।"
    with translation.override("en"):
        assert str(refused.value.message) == "A ticket cannot go from new to closed."


def test_the_api_answers_the_same_error_in_the_clients_language(client_for, ticket):
    api = client_for(User.objects.get(username="bsnl_officer"))
    url = reverse("ticket-transfer", args=[ticket.number])
    moved = {"department": "NOPE", "reason": "Not ours."}
    english = api.post(url, moved, format="json", HTTP_ACCEPT_LANGUAGE="en")
    hindi = api.post(url, moved, format="json", HTTP_ACCEPT_LANGUAGE="hi")
    assert english.status_code == hindi.status_code == 400
    message = "No active department has this code."
    assert english.json()["error"] == {
        "code": "invalid_department",
        "message": message,
        "fields": {"department": [message]},
    }
    assert hindi.json()["error"]["code"] == "invalid_department"
    assert hindi.json()["error"]["message"] == "इस कोड का कोई सक्रिय विभाग नहीं है।"
