"""The public status of a ticket: the Open311-shaped API and the HTML page, in English and Hindi,
for anyone, with nothing personal in either."""

import ast
import gettext
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from departments.models import Role
from tests.ingestion.factories import BSNL, tweet_id_of, v2_tweet
from tickets.lifecycle import Status
from tickets.models import Ticket, TicketMessage
from tickets.services import ticket_claim, ticket_merge, ticket_reply, ticket_transition

pytestmark = pytest.mark.django_db

CITIZEN = ("ravi_kochi_1987", "3000000042")
TWEET_TEXT = "@BSNLCorporate landline 0484-2345678 dead for a week at Kaloor, Kochi #BSNLSeva"
OPEN311_FIELDS = {
    "service_request_id",
    "status",
    "status_detail",
    "status_notes",
    "service_code",
    "service_name",
    "service_name_hi",
    "agency_responsible",
    "agency_responsible_hi",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "first_response_due",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "merged_into",
}


@pytest.fixture
def officer(seeded) -> User:
    return User.objects.get(username="bsnl_officer")


@pytest.fixture
def page(ingest_lines) -> dict:
    """A citizen's tweet, as X sends it."""
    tweet = v2_tweet(TWEET_TEXT, author=CITIZEN, mentions=[BSNL])
    ingest_lines(tweet)
    return tweet


@pytest.fixture
def ticket(page) -> Ticket:
    return TicketMessage.objects.select_related("ticket").get(tweet_id=int(tweet_id_of(page))).ticket


def other_ticket(ingest_lines, text: str = "No dial tone in Pune #BSNLSeva") -> Ticket:
    tweet = v2_tweet(text, author=("another_citizen", "3000000077"), minutes=5)
    ingest_lines(tweet)
    return TicketMessage.objects.get(tweet_id=int(tweet_id_of(tweet))).ticket


def status_api(client, number: str, **headers):
    return client.get(reverse("public-ticket-status", args=[number]), **headers)


def status_page(client, number: str, **headers):
    return client.get(reverse("public-status", args=[number]), **headers)


def resolve(ticket: Ticket, officer: User, note: str = "Cable fault at Kaloor exchange repaired.") -> None:
    ticket_claim(actor=officer, number=ticket.number)
    ticket_transition(actor=officer, number=ticket.number, to=Status.RESOLVED, note=note)


def assert_nothing_personal(body: str, page: dict, *also: str) -> None:
    for secret in (CITIZEN[0], CITIZEN[1], tweet_id_of(page), TWEET_TEXT, "0484-2345678", "Kaloor, Kochi", *also):
        assert secret not in body


# --- the API ---------------------------------------------------------------------------------------


def test_api_gives_the_open311_fields_of_an_open_ticket(api_client, ticket):
    response = status_api(api_client, ticket.number)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == OPEN311_FIELDS
    assert body["service_request_id"] == ticket.number
    assert body["status"] == "open"
    assert body["status_detail"] == {"code": "new", "label": "New"}
    assert body["status_notes"] == "Received. It is waiting for an officer of the department to take it up."
    assert (body["service_code"], body["service_name"], body["service_name_hi"]) == (
        "BSNL",
        "Bharat Sanchar Nigam Ltd",
        "भारत संचार निगम लिमिटेड",
    )
    # The place names the unit, which is the agency handling it.
    assert (body["agency_responsible"], body["agency_responsible_hi"]) == ("BSNL Kerala Circle", "बीएसएनएल केरल सर्किल")
    assert body["requested_datetime"] is not None
    assert body["updated_datetime"] is not None
    assert body["expected_datetime"] is not None
    assert body["first_response_due"] is not None
    assert (body["resolved_at"], body["closed_at"], body["merged_into"]) == (None, None, None)


def test_api_shows_nothing_personal(api_client, ticket, page, officer):
    ticket_claim(actor=officer, number=ticket.number)
    ticket_reply(actor=officer, number=ticket.number, text="Dear @ravi_kochi_1987, a lineman will call you.")

    response = status_api(api_client, ticket.number)

    assert response.status_code == 200
    assert_nothing_personal(response.content.decode(), page, officer.username, "lineman")


def test_api_answers_anyone_without_signing_in(ticket):
    # A plain client and one sending a token that does not exist: the page is public, not 401.
    assert status_api(Client(), ticket.number).status_code == 200
    assert status_api(Client(), ticket.number, HTTP_AUTHORIZATION="Token not-a-real-token").status_code == 200


@pytest.mark.parametrize("final_status", [Status.RESOLVED, Status.CLOSED])
def test_a_resolved_or_closed_ticket_is_closed_in_open311_with_its_resolution_note(
    api_client, ticket, officer, final_status
):
    resolve(ticket, officer)
    if final_status == Status.CLOSED:
        ticket_transition(actor=User.objects.get(username="bsnl_supervisor"), number=ticket.number, to=Status.CLOSED)

    body = status_api(api_client, ticket.number).json()

    assert body["status"] == "closed"
    assert body["status_detail"]["code"] == final_status
    assert body["status_notes"] == "Cable fault at Kaloor exchange repaired."
    assert body["resolved_at"] is not None
    assert (body["closed_at"] is not None) == (final_status == Status.CLOSED)


@pytest.mark.parametrize(
    ("status", "open311_status"),
    [
        (Status.ASSIGNED, "open"),
        (Status.IN_PROGRESS, "open"),
        (Status.AWAITING_CITIZEN, "open"),
        (Status.REOPENED, "open"),
        (Status.REJECTED, "closed"),
    ],
)
def test_every_other_state_maps_to_open_or_closed(api_client, ticket, status, open311_status):
    Ticket.objects.filter(pk=ticket.pk).update(status=status)

    body = status_api(api_client, ticket.number).json()

    assert (body["status"], body["status_detail"]["code"]) == (open311_status, status)


def test_a_rejected_ticket_shows_a_fixed_phrase_not_the_reason(api_client, ticket, page, officer):
    ticket_claim(actor=officer, number=ticket.number)
    ticket_transition(actor=officer, number=ticket.number, to=Status.REJECTED, note="Abusive post by ravi_kochi_1987")

    body = status_api(api_client, ticket.number).json()

    assert body["status_notes"] == "Closed without action: the department found it not actionable."
    assert "Abusive" not in str(body)
    assert_nothing_personal(str(body), page)


def test_a_merged_ticket_points_at_the_ticket_it_was_merged_into(api_client, ticket, officer, ingest_lines):
    duplicate = other_ticket(ingest_lines)
    ticket_merge(actor=officer, number=duplicate.number, into_number=ticket.number)

    body = status_api(api_client, duplicate.number).json()

    assert body["merged_into"] == ticket.number
    assert body["status"] == "closed"
    assert body["status_notes"] == (
        f"This complaint is a duplicate of {ticket.number}; follow that ticket for updates."
    )


def test_the_number_is_case_insensitive(api_client, ticket):
    response = status_api(api_client, ticket.number.lower())
    assert response.status_code == 200
    assert response.json()["service_request_id"] == ticket.number


@pytest.mark.parametrize(
    "number",
    ["BSNL-2611-999999", "not-a-ticket", "BSNL-26110-000001", "x" * 300, "' OR 1=1 --", "BSNL-2611-0000１２"],
)
def test_an_unknown_or_malformed_number_is_404_with_the_error_shape(api_client, seeded, number):
    response = status_api(api_client, number)

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_the_status_label_follows_the_requested_language(api_client, ticket):
    body = status_api(api_client, ticket.number, HTTP_ACCEPT_LANGUAGE="hi").json()
    assert body["status_detail"] == {"code": "new", "label": "नया"}
    # The Open311 field names and values stay as the standard has them.
    assert body["status"] == "open"


def test_the_api_reads_one_row(api_client, ticket, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert status_api(api_client, ticket.number).status_code == 200


def test_the_schema_marks_the_status_api_public(api_client, seeded):
    schema = api_client.get(reverse("schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/public/status/{number}/"]["get"]

    # drf-spectacular leaves `security` out when no authentication applies (as for the token exchange).
    assert "security" not in operation
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PublicTicketStatus"
    )
    assert set(schema["components"]["schemas"]["PublicTicketStatus"]["properties"]) == OPEN311_FIELDS


# --- the HTML page ---------------------------------------------------------------------------------


def test_the_page_shows_the_status_in_english(client, ticket):
    response = status_page(client, ticket.number)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert ticket.number in html
    assert 'class="badge badge-new"' in html
    assert ">New</p>" in html
    assert "Bharat Sanchar Nigam Ltd" in html
    assert "Complaint received" in html
    assert "Resolution expected by" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_page_is_in_hindi_for_a_hindi_browser(client, ticket):
    response = status_page(client, ticket.number, HTTP_ACCEPT_LANGUAGE="hi-IN,hi;q=0.9,en;q=0.5")

    html = response.content.decode()
    assert '<html lang="hi">' in html
    assert ">नया</p>" in html
    assert "भारत संचार निगम लिमिटेड" in html
    assert "शिकायत प्राप्त हुई" in html
    assert "Complaint received" not in html


def test_dates_are_spelt_right_in_hindi(client, ticket):
    received = datetime(2026, 11, 20, 9, 15, tzinfo=ZoneInfo("Asia/Kolkata"))
    Ticket.objects.filter(pk=ticket.pk).update(created_at=received)

    html = status_page(client, ticket.number, HTTP_ACCEPT_LANGUAGE="hi").content.decode()

    assert "20 नवंबर 2026, 09:15" in html
    assert f'datetime="{received.isoformat()}"' in html


def test_the_page_is_in_hindi_after_choosing_it(client, ticket):
    url = reverse("public-status", args=[ticket.number])
    response = client.post(reverse("set_language"), {"language": "hi", "next": url})

    assert response.status_code == 302
    assert response["Location"] == url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hi"
    html = client.get(url).content.decode()
    assert ">नया</p>" in html
    assert "भारत संचार निगम लिमिटेड" in html


def test_the_page_shows_nothing_personal(client, ticket, page, officer):
    ticket_claim(actor=officer, number=ticket.number)
    ticket_reply(actor=officer, number=ticket.number, text="Dear @ravi_kochi_1987, a lineman will call you.")

    for language in ("en", "hi"):
        html = status_page(client, ticket.number, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert_nothing_personal(html, page, officer.username, "lineman")


def test_a_resolved_ticket_shows_its_note_and_timeline(client, ticket, officer):
    resolve(ticket, officer)

    html = status_page(client, ticket.number).content.decode()

    assert 'class="badge badge-resolved"' in html
    assert "Cable fault at Kaloor exchange repaired." in html
    assert "Resolved</span>" in html
    assert "Resolution was due by" in html
    assert "First response was due by" in html


def test_the_resolution_note_is_shown_as_text(client, ticket, officer):
    resolve(ticket, officer, note='Fixed <script>alert("x")</script>')

    html = status_page(client, ticket.number).content.decode()

    assert "<script>" not in html
    assert "Fixed &lt;script&gt;" in html


def test_a_first_response_shows_on_the_timeline(client, ticket):
    # The outbox records it once the reply is posted on X.
    Ticket.objects.filter(pk=ticket.pk).update(first_responded_at=timezone.now())

    html = status_page(client, ticket.number).content.decode()

    assert "First response given" in html
    assert "First response due by" not in html


def test_a_merged_ticket_links_to_the_other(client, ticket, officer, ingest_lines):
    duplicate = other_ticket(ingest_lines)
    ticket_merge(actor=officer, number=duplicate.number, into_number=ticket.number)

    html = status_page(client, duplicate.number).content.decode()

    assert f'href="{reverse("public-status", args=[ticket.number])}"' in html
    assert "Merged with another ticket" in html


def test_a_lower_case_address_redirects_to_the_ticket_page(client, ticket):
    response = status_page(client, ticket.number.lower())
    assert response.status_code == 302
    assert response["Location"] == reverse("public-status", args=[ticket.number])


@pytest.mark.parametrize("number", ["BSNL-2611-999999", "<img src=x onerror=alert(1)>", "x" * 300])
def test_an_unknown_number_is_a_friendly_404(client, seeded, number):
    response = status_page(client, number)

    assert response.status_code == 404
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    html = response.content.decode()
    assert "We could not find this ticket" in html
    assert "<img src=x" not in html
    assert 'name="number"' in html


def test_the_page_reads_one_row(client, ticket, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert status_page(client, ticket.number).status_code == 200


def test_the_page_loads_nothing_from_elsewhere(client, ticket):
    html = status_page(client, ticket.number).content.decode()

    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    assert f'href="{settings.STATIC_URL}css/seva.css"' in html
    assert finders.find("css/seva.css") is not None


# --- the lookup form -------------------------------------------------------------------------------


def test_the_lookup_form_is_shown(client, seeded):
    response = client.get(reverse("public-status-lookup"))

    assert response.status_code == 200
    assert 'name="number"' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_lookup_form_redirects_to_the_ticket(client, ticket):
    typed = f"  {ticket.number.lower()} "
    response = client.get(reverse("public-status-lookup"), {"number": typed})

    assert response.status_code == 302
    assert response["Location"] == reverse("public-status", args=[ticket.number])


def test_the_lookup_form_explains_a_malformed_number(client, seeded):
    response = client.get(reverse("public-status-lookup"), {"number": "my complaint"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "This is not a ticket number" in html
    assert 'aria-invalid="true"' in html


def test_the_lookup_form_asks_for_a_number_when_empty(client, seeded):
    response = client.get(reverse("public-status-lookup"), {"number": "   "})
    assert response.status_code == 200
    assert "Enter your ticket number." in response.content.decode()


def test_the_lookup_form_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("public-status-lookup"), {"number": "BSNL-2611-000001"}).status_code == 302


# --- the Hindi catalogue ---------------------------------------------------------------------------


def _po_entries(catalogue: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file's entries (C-style escapes, as Python's)."""
    entries = {}
    for block in catalogue.split("\n\n")[1:]:
        parts = re.split(r"^(msgid|msgstr) ", block, flags=re.M)
        if len(parts) < 5:  # an obsolete (#~) entry
            continue
        fields = {
            name: "".join(ast.literal_eval(line) for line in text.split("\n") if line.startswith('"'))
            for name, text in zip(parts[1::2], parts[2::2], strict=True)
        }
        # A fuzzy entry is msgmerge's guess, which gettext ignores: as good as untranslated.
        entries[fields["msgid"]] = "" if "#, fuzzy" in parts[0] else fields["msgstr"]
    return entries


def test_every_hindi_message_is_translated_and_compiled():
    locale = Path(settings.BASE_DIR) / "locale" / "hi" / "LC_MESSAGES"
    entries = _po_entries((locale / "django.po").read_text(encoding="utf-8"))
    with (locale / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    assert {str(label) for label in (*Status.labels, *Role.labels)} <= entries.keys()
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    # The committed .mo is the .po compiled: nothing needs msgfmt at run or test time.
    assert {msgid: catalogue.gettext(msgid) for msgid in entries} == entries


# --- crawling ---------------------------------------------------------------------------------------


def test_the_status_page_is_throttled_per_client_address_like_the_public_api(client, page, settings):
    from django.core.cache import cache

    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/minute"},
    }
    crawler, citizen = "203.0.113.77", "198.51.100.77"
    keys = [f"throttle_anon_{address}" for address in (crawler, citizen)]
    cache.delete_many(keys)
    number = Ticket.objects.get().number
    try:
        statuses = [
            client.get(
                reverse("public-status", args=[f"BSNL-2611-{n:06d}"]),
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, {crawler}",
            ).status_code
            for n in range(1, 5)
        ]
        assert statuses == [404, 404, 404, 429]
        refused = client.get(
            reverse("public-status", args=[number]), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=crawler
        )
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert "Too many requests" in refused.content.decode()
        # The page and the public API share the budget: the crawler's API calls are refused too.
        api = client.get(
            reverse("public-ticket-status", args=[number]), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=crawler
        )
        assert api.status_code == 429
        # Another address is not affected.
        ok = client.get(reverse("public-status", args=[number]), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=citizen)
        assert ok.status_code == 200
    finally:
        cache.delete_many(keys)
