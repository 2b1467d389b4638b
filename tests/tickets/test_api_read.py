"""The read side of the tickets API: filters, scoping, shapes, query counts."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.ingestion.factories import BSNL, POSTS, tweet_id_of, v2_tweet
from tickets.models import Ticket, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(ingest_lines):
    pages = {
        "bsnl_kochi": v2_tweet("@BSNLCorporate broadband dead in Kochi #BSNLSeva", mentions=[BSNL]),
        "bsnl_pune": v2_tweet("No signal in Pune for a week #BSNLSeva", minutes=1),
        "posts": v2_tweet("@PostOfficeIndia speed post lost in Surat", mentions=[POSTS], minutes=2),
        "triage": v2_tweet("Good initiative sir", minutes=3),
    }
    ingest_lines(*pages.values())
    return {name: TicketMessage.objects.get(tweet_id=int(tweet_id_of(p))).ticket for name, p in pages.items()}


def as_user(client_for, username):
    return client_for(User.objects.get(username=username))


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def test_an_officer_lists_only_their_departments_tickets(tickets, client_for):
    response = as_user(client_for, "bsnl_officer").get(reverse("ticket-list"))
    assert numbers(response) == {tickets["bsnl_kochi"].number, tickets["bsnl_pune"].number}


def test_an_auditor_on_the_ministry_sees_every_ticket(tickets, client_for):
    response = as_user(client_for, "auditor").get(reverse("ticket-list"))
    assert numbers(response) == {t.number for t in tickets.values()}


def test_another_departments_ticket_answers_404(tickets, client_for):
    client = as_user(client_for, "posts_officer")
    response = client.get(reverse("ticket-detail", args=[tickets["bsnl_pune"].number]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_filter_by_department_code_and_unit(tickets, client_for):
    client = as_user(client_for, "auditor")
    assert numbers(client.get(reverse("ticket-list"), {"department": "POSTS"})) == {tickets["posts"].number}
    assert numbers(client.get(reverse("ticket-list"), {"department": "BSNL_KL"})) == {tickets["bsnl_kochi"].number}
    assert numbers(client.get(reverse("ticket-list"), {"department": "NOPE"})) == set()


def test_filter_by_status(tickets, client_for):
    Ticket.objects.filter(pk=tickets["bsnl_pune"].pk).update(status="in_progress")
    client = as_user(client_for, "bsnl_officer")
    assert numbers(client.get(reverse("ticket-list"), {"status": "in_progress"})) == {tickets["bsnl_pune"].number}
    bad = client.get(reverse("ticket-list"), {"status": "sleeping"})
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["fields"]


def test_filter_by_tweet_id_or_url(tickets, client_for):
    client = as_user(client_for, "auditor")
    tweet_id = tickets["posts"].opening_tweet_id
    by_id = client.get(reverse("ticket-list"), {"tweet": str(tweet_id)})
    by_url = client.get(reverse("ticket-list"), {"tweet": f"https://x.com/someone/status/{tweet_id}?s=20"})
    assert numbers(by_id) == numbers(by_url) == {tickets["posts"].number}
    assert client.get(reverse("ticket-list"), {"tweet": "not a tweet"}).status_code == 400


def test_filter_by_created_after(tickets, client_for):
    client = as_user(client_for, "auditor")
    assert numbers(client.get(reverse("ticket-list"), {"created_after": "2999-01-01T00:00:00Z"})) == set()
    assert client.get(reverse("ticket-list"), {"created_after": "yesterday"}).status_code == 400


def test_a_time_with_an_offset_postgresql_cannot_take_still_filters(tickets, client_for):
    """Python takes offsets up to 23:59, PostgreSQL to 15:59: the filter compares in UTC."""
    client = client_for(User.objects.get(username="auditor"))
    response = client.get(reverse("ticket-list"), {"created_after": "7414-01-01T00:00:00+22:22"})
    assert (response.status_code, numbers(response)) == (200, set())
    assert numbers(client.get(reverse("ticket-list"), {"created_before": "7414-01-01T00:00:00+22:22"}))


def test_a_time_with_no_utc_equivalent_is_a_400_naming_the_filter(tickets, client_for):
    client = client_for(User.objects.get(username="auditor"))
    response = client.get(reverse("ticket-list"), {"created_before": "9999-12-31T23:59:59-23:00"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["created_before"]


def test_full_text_search_and_number_lookup(tickets, client_for):
    client = as_user(client_for, "auditor")
    assert numbers(client.get(reverse("ticket-list"), {"q": "speed post"})) == {tickets["posts"].number}
    number = tickets["bsnl_pune"].number
    assert numbers(client.get(reverse("ticket-list"), {"q": number.lower()})) == {number}


def test_detail_has_messages_and_events(tickets, client_for):
    ticket = tickets["bsnl_kochi"]
    body = as_user(client_for, "bsnl_officer").get(reverse("ticket-detail", args=[ticket.number])).json()
    assert body["department"] == "BSNL"
    assert body["unit"] == "BSNL_KL"
    first = body["messages"][0]
    assert first["tweet_id"] == str(ticket.opening_tweet_id)
    assert first["direction"] == "in"
    assert first["author_handle"] == "citizen_one"
    assert "Kochi" in first["text"]
    assert [m["kind"] for m in body["messages"]] == ["tweet", "ack"]
    assert body["events"][0]["kind"] == "created"


def test_list_page_size_is_capped_and_paginated(tickets, client_for):
    client = as_user(client_for, "auditor")
    page = client.get(reverse("ticket-list"), {"page_size": 2}).json()
    assert len(page["results"]) == 2
    assert page["next"]
    rest = client.get(page["next"]).json()
    assert len(rest["results"]) == 2
    assert rest["next"] is None


def test_list_queries_do_not_grow_with_tickets(ingest_lines, client_for, django_assert_max_num_queries):
    ingest_lines(*(v2_tweet(f"outage {n} in Pune #BSNLSeva") for n in range(40)))
    client = as_user(client_for, "bsnl_officer")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("ticket-list"), {"page_size": 40})
    assert len(response.json()["results"]) == 40


def test_detail_queries_do_not_grow_with_messages(ingest_lines, client_for, django_assert_max_num_queries):
    complaint = v2_tweet("no signal #BSNLSeva")
    follow_ups = [
        v2_tweet(
            f"still down, day {n}", conversation_id=tweet_id_of(complaint), reply_to=tweet_id_of(complaint), minutes=n
        )
        for n in range(1, 15)
    ]
    ingest_lines(complaint, *follow_ups)
    ticket = Ticket.objects.get()
    client = as_user(client_for, "bsnl_officer")
    with django_assert_max_num_queries(8):
        body = client.get(reverse("ticket-detail", args=[ticket.number])).json()
    assert len(body["messages"]) == 16


def test_dead_letters_are_for_supervisors(ingest_lines, client_for):
    ingest_lines("this is not json", {"data": [{"text": "no id, but #BSNLSeva"}]})
    supervisor = as_user(client_for, "bsnl_supervisor").get(reverse("dead-letter-list"))
    assert supervisor.status_code == 200
    # Their department's; the unroutable one is the ministry's (tests/ingestion/test_dead_letter_scope.py).
    assert [row["reason"] for row in supervisor.json()["results"]] == ["tweet has no id"]
    admin = as_user(client_for, "admin").get(reverse("dead-letter-list"))
    assert "not valid JSON" in admin.json()["results"][-1]["reason"]
    assert as_user(client_for, "bsnl_officer").get(reverse("dead-letter-list")).status_code == 403


def test_filter_unassigned_open_tickets(tickets, client_for):
    from accounts.models import User as StaffUser

    officer = StaffUser.objects.get(username="bsnl_officer")
    Ticket.objects.filter(pk=tickets["bsnl_pune"].pk).update(assigned_to=officer, status="assigned")
    Ticket.objects.filter(pk=tickets["bsnl_kochi"].pk).update(status="rejected")
    client = as_user(client_for, "bsnl_officer")
    assert numbers(client.get(reverse("ticket-list"), {"unassigned": "true"})) == set()
    Ticket.objects.filter(pk=tickets["bsnl_kochi"].pk).update(status="new")
    assert numbers(client.get(reverse("ticket-list"), {"unassigned": "true"})) == {tickets["bsnl_kochi"].number}
