"""The queue says what to do next (issue 9): urgency order (page and API), new tickets polled for with
a cursor at a fixed cost, search over every message, incidents shown once, saved filters (their
owner's only), supervisors' bulk actions (each ticket audited, officers refused), and the ticket
page's citizen history and feedback."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from departments.models import Department
from tests.ingestion.factories import POSTS
from tests.tickets.test_workspace import (  # noqa: F401 - fixtures
    HTMX,
    OTHER_CITIZEN,
    html,
    ingest_ticket,
    signed_in,
    user,
)
from tickets.lifecycle import Status
from tickets.models import AuditEvent, EventKind, Feedback, Incident, SavedFilter, Ticket, TicketMessage

pytestmark = pytest.mark.django_db


def order_in(body: str, tickets) -> list[str]:
    numbers = [t.number for t in tickets]
    return sorted((n for n in numbers if n in body), key=body.index)


@pytest.fixture
def urgency_tickets(ingest_ticket):  # noqa: F811
    """Five open tickets whose due times say the order: two breached (one answered late), two due
    at the same time (P1 before P3), one due later."""
    now = timezone.now()
    made = {
        name: ingest_ticket(f"Complaint {name} #BSNLSeva", author=(f"c_{name}", f"300000050{n}"))
        for n, name in enumerate(["later", "tie_p3", "breached", "answered_late", "tie_p1"])
    }
    due = {
        "later": now + timedelta(hours=5),
        "tie_p3": now + timedelta(hours=2),
        "tie_p1": now + timedelta(hours=2),
        "breached": now - timedelta(hours=1),
    }
    for name, at in due.items():
        Ticket.objects.filter(pk=made[name].pk).update(
            first_response_due_at=at, resolution_due_at=at + timedelta(days=2)
        )
    Ticket.objects.filter(pk=made["tie_p1"].pk).update(priority="p1")
    # Answered 30 minutes after its due time: breached for good, though its resolution is days away.
    Ticket.objects.filter(pk=made["answered_late"].pk).update(
        first_response_due_at=now - timedelta(hours=3),
        first_responded_at=now - timedelta(hours=2, minutes=30),
        resolution_due_at=now + timedelta(days=3),
    )
    expected = ["answered_late", "breached", "tie_p1", "tie_p3", "later"]
    return [made[name] for name in expected]


def test_the_queue_shows_breached_first_then_by_due_time_then_priority(client, urgency_tickets):
    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:queue")))
    assert order_in(body, urgency_tickets) == [t.number for t in urgency_tickets]


def test_the_queue_shows_open_tickets_unless_asked_for_others(client, urgency_tickets):
    done = urgency_tickets[-1]
    Ticket.objects.filter(pk=done.pk).update(status=Status.REJECTED)
    signed_in(client, "bsnl_officer")
    assert done.number not in html(client.get(reverse("workspace:queue")))
    assert done.number in html(client.get(reverse("workspace:queue"), {"status": "rejected"}))
    assert done.number in html(client.get(reverse("workspace:queue"), {"status": "all"}))


def test_load_more_continues_the_urgency_order(client, urgency_tickets, monkeypatch):
    monkeypatch.setattr("tickets.workspace.views.QUEUE_PAGE_SIZE", 2)
    signed_in(client, "bsnl_officer")
    seen = []
    response = client.get(reverse("workspace:queue"))
    for _page in range(3):
        body = html(response)
        seen += order_in(body, urgency_tickets)
        if 'id="queue-more"' not in body:
            break
        more = body.split('hx-get="?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        response = client.get(f"{reverse('workspace:queue')}?{more}", **HTMX)
    assert seen == [t.number for t in urgency_tickets]


def test_the_api_lists_by_urgency_with_cursor_pages(client_for, urgency_tickets):
    client = client_for(user("bsnl_officer"))
    numbers = []
    page = client.get(reverse("ticket-list"), {"ordering": "urgency", "page_size": 2}).json()
    while True:
        numbers += [row["number"] for row in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert numbers == [t.number for t in urgency_tickets]
    assert client.get(reverse("ticket-list"), {"ordering": "oldest"}).status_code == 400
    assert client.get(reverse("ticket-list"), {"ordering": "urgency", "cursor": "nonsense"}).status_code == 404


def test_the_apis_urgency_pages_go_through_closed_tickets_sharing_one_key(client_for, urgency_tickets):
    answered_late, breached, tie_p1, tie_p3, later = urgency_tickets
    Ticket.objects.filter(pk__in=[tie_p3.pk, later.pk]).update(status=Status.REJECTED)
    client = client_for(user("bsnl_officer"))
    numbers = []
    page = client.get(reverse("ticket-list"), {"ordering": "urgency", "page_size": 1}).json()
    while True:
        numbers += [row["number"] for row in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    # Closed last, by priority then age.
    assert numbers == [t.number for t in (answered_late, breached, tie_p1, later, tie_p3)]


def _plan(queryset, *, sorting: bool = False) -> str:
    """The plan of a query, as it would be over many tickets: the test tables are tiny, so the planner
    is told a scan of the table, or (for an ordered page) sorting, is not an option; the plan then
    names the index that serves the query, or there is none."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not sorting:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _queue_queryset(username: str, query: dict, *, ordered: bool = True):
    from django.test import RequestFactory

    from tickets.selectors import QUEUE_URGENCY_ORDER, ticket_list
    from tickets.workspace.forms import QueueFilter

    request = RequestFactory().get("/desk/", query)
    request.user = user(username)
    queue_filter = QueueFilter(request.GET, queryset=ticket_list(user=request.user), request=request)
    tickets = queue_filter.qs.filter(incident__isnull=True)
    return tickets.order_by(*QUEUE_URGENCY_ORDER)[:51] if ordered else tickets.order_by()


@pytest.mark.parametrize("query", [{}, {"department": "BSNL_KL"}, {"priority": "p1"}, {"status": "new"}])
def test_the_urgency_order_and_its_filters_read_its_index(urgency_tickets, query):
    assert "ticket_queue_urgency" in _plan(_queue_queryset("bsnl_officer", query))


def test_search_asks_the_search_documents_index_first(urgency_tickets):
    from tickets.selectors import ticket_filter_text

    with CaptureQueriesContext(connection) as context:
        ticket_filter_text(Ticket.objects.all(), "complaint")
    (probe,) = context.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + probe["sql"])
        assert "ticket_search_document" in "\n".join(row[0] for row in cursor.fetchall())


def test_a_search_with_many_matches_reads_them_through_the_order(client, urgency_tickets, monkeypatch):
    monkeypatch.setattr("tickets.selectors.SEARCH_FEW_MATCHES", 2)
    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:queue"), {"search": "complaint"}))
    assert order_in(body, urgency_tickets) == [t.number for t in urgency_tickets]


# --- new tickets without a reload ---------------------------------------------------------------


def _poll_url(body: str) -> str:
    return body.split('id="queue-poll" hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")


def test_a_new_ticket_arrives_by_polling_with_a_cursor(client, ingest_ticket):  # noqa: F811
    first = ingest_ticket("Old complaint #BSNLSeva")
    signed_in(client, "bsnl_officer")
    body = html(client.get(reverse("workspace:queue")))
    assert 'hx-trigger="every 5s"' in body
    poll = _poll_url(body)
    assert client.get(poll, **HTMX).status_code == 204

    new = ingest_ticket("Fresh complaint #BSNLSeva", author=OTHER_CITIZEN)
    arrived = html(client.get(poll, **HTMX))
    assert new.number in arrived
    assert first.number not in arrived
    assert 'hx-swap-oob="true"' in arrived  # the poller again, watching after the new ticket
    assert "1 new ticket at the top of the queue." in arrived
    assert client.get(_poll_url(arrived), **HTMX).status_code == 204


def test_polling_keeps_the_filters(client, ingest_ticket):  # noqa: F811
    ingest_ticket("Old complaint #BSNLSeva")
    signed_in(client, "bsnl_officer")
    poll = _poll_url(html(client.get(reverse("workspace:queue"), {"assigned_to": "me"})))
    ingest_ticket("Nobody's yet #BSNLSeva", author=OTHER_CITIZEN)
    assert client.get(poll, **HTMX).status_code == 204


def test_each_refresh_reads_a_fixed_number_of_queries(client, ingest_ticket):  # noqa: F811
    ingest_ticket("Old complaint #BSNLSeva")
    signed_in(client, "bsnl_officer")
    poll = _poll_url(html(client.get(reverse("workspace:queue"))))

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(poll, **HTMX).status_code == 200
        return len(context.captured_queries)

    ingest_ticket("One new #BSNLSeva", author=OTHER_CITIZEN)
    one = queries()
    for n in range(5):
        ingest_ticket(f"More new {n} #BSNLSeva", author=(f"n{n}", f"30000006{n:02d}"))
    # session, user, whether a second factor is owed, the arrivals, the roles (checkboxes).
    assert one == queries() == 5


# --- search -------------------------------------------------------------------------------------


def test_search_finds_a_word_only_in_a_follow_up_message_in_english_and_hindi(client, ingest_ticket):  # noqa: F811
    ticket = ingest_ticket("Landline dead #BSNLSeva")
    other = ingest_ticket("Broadband slow #BSNLSeva", author=OTHER_CITIZEN)
    TicketMessage.objects.create(ticket=ticket, direction="in", text="Still nothing, the technician never came")
    TicketMessage.objects.create(ticket=ticket, direction="in", text="अभी तक कोई तकनीशियन नहीं आया")
    signed_in(client, "bsnl_officer")
    for words in ("technician", "तकनीशियन"):
        body = html(client.get(reverse("workspace:queue"), {"search": words}))
        assert ticket.number in body, words
        assert other.number not in body, words


def test_an_edited_messages_new_words_are_found(client, ingest_ticket):  # noqa: F811
    ticket = ingest_ticket("Landline dead #BSNLSeva")
    message = TicketMessage.objects.filter(ticket=ticket, direction="in").first()
    TicketMessage.objects.filter(pk=message.pk).update(text="Landline dead since Diwali #BSNLSeva")
    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:queue"), {"search": "diwali"}))
    assert ticket.number in body


def test_the_api_q_searches_every_message_too(client_for, ingest_ticket):  # noqa: F811
    ticket = ingest_ticket("Landline dead #BSNLSeva")
    TicketMessage.objects.create(ticket=ticket, direction="in", text="मीटर रीडिंग गलत है")
    response = client_for(user("bsnl_officer")).get(reverse("ticket-list"), {"q": "मीटर"})
    assert [row["number"] for row in response.json()["results"]] == [ticket.number]


# --- incidents ----------------------------------------------------------------------------------


def test_an_incidents_tickets_are_one_row_linking_to_the_incident(client, ingest_ticket):  # noqa: F811
    single = ingest_ticket("My bill is wrong #BSNLSeva")
    outage = [
        ingest_ticket(f"No signal in Pune {n} #BSNLSeva", author=(f"o{n}", f"30000007{n:02d}")) for n in range(3)
    ]
    incident = Incident.objects.create(title="No signal in Pune", department=Department.objects.get(code="BSNL"))
    Ticket.objects.filter(pk__in=[t.pk for t in outage]).update(incident=incident)

    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:queue")))

    assert single.number in body
    assert not [t.number for t in outage if t.number in body]
    assert body.count("No signal in Pune</a>") == 1
    assert "3 tickets" in body
    assert f'href="/desk/incidents/{incident.pk}/"' in body


# --- saved filters ------------------------------------------------------------------------------


def test_a_user_saves_lists_and_deletes_their_filters_and_nobody_else_sees_them(client, ingest_ticket):  # noqa: F811
    ingest_ticket("Old complaint #BSNLSeva")
    signed_in(client, "bsnl_officer")
    response = client.post(
        reverse("workspace:saved-filter-save"), {"name": "Mine, open", "query": "assigned_to=me&after=x&status=new"}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=user("bsnl_officer"))
    assert saved.query == "assigned_to=me&status=new"  # where a page was is not a filter
    body = html(client.get(reverse("workspace:queue")))
    assert '<a href="?assigned_to=me&amp;status=new">Mine, open</a>' in body

    signed_in(client, "bsnl_supervisor")
    assert "Mine, open" not in html(client.get(reverse("workspace:queue")))
    assert client.post(reverse("workspace:saved-filter-delete", args=[saved.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()

    signed_in(client, "bsnl_officer")
    client.post(reverse("workspace:saved-filter-save"), {"name": "Mine, open", "query": "status=assigned"})
    assert list(SavedFilter.objects.values_list("name", "query")) == [("Mine, open", "status=assigned")]
    assert client.post(reverse("workspace:saved-filter-delete", args=[saved.pk])).status_code == 302
    assert not SavedFilter.objects.exists()


# --- bulk actions -------------------------------------------------------------------------------


@pytest.fixture
def three_tickets(ingest_ticket):  # noqa: F811
    return [ingest_ticket(f"Spam spam {n} #BSNLSeva", author=(f"s{n}", f"30000008{n:02d}")) for n in range(3)]


def test_a_supervisor_sees_the_bulk_form_and_an_officer_does_not(client, three_tickets):
    assert '<form id="bulk"' in html(signed_in(client, "bsnl_supervisor").get(reverse("workspace:queue")))
    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:queue")))
    assert '<form id="bulk"' not in body
    assert 'name="ticket"' not in body


def test_a_supervisor_assigns_many_tickets_each_audited(client, three_tickets):
    officer = user("bsnl_officer")
    chosen = three_tickets[:2]
    response = signed_in(client, "bsnl_supervisor").post(
        reverse("workspace:queue-bulk"),
        {"action": "assign", "user": officer.pk, "ticket": [t.number for t in chosen], "query": "status=new"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:queue") + "?status=new"
    for ticket in chosen:
        ticket.refresh_from_db()
        assert (ticket.assigned_to_id, ticket.status) == (officer.pk, Status.ASSIGNED)
        assert (
            AuditEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED, actor=user("bsnl_supervisor")).count()
            == 1
        )
    assert Ticket.objects.get(pk=three_tickets[2].pk).assigned_to_id is None


def test_a_supervisor_rejects_many_as_spam_with_the_reason_and_hears_of_refusals(client, three_tickets, ingest_ticket):  # noqa: F811
    posts = ingest_ticket("@PostOfficeIndia parcel lost #PostalSeva", author=OTHER_CITIZEN, mentions=[POSTS])
    numbers = [t.number for t in three_tickets] + [posts.number]
    response = signed_in(client, "bsnl_supervisor").post(
        reverse("workspace:queue-bulk"), {"action": "spam", "reason": "advertising", "ticket": numbers}, follow=True
    )
    body = html(response)
    assert "3 tickets rejected as spam." in body
    assert f"{posts.number}: No such ticket." in body
    for ticket in three_tickets:
        ticket.refresh_from_db()
        assert (ticket.status, ticket.rejection_reason) == (Status.REJECTED, "Spam: advertising")
        assert AuditEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).count() == 1
    assert Ticket.objects.get(pk=posts.pk).status == Status.NEW


def test_bulk_actions_are_refused_to_officers(client, three_tickets):
    response = signed_in(client, "bsnl_officer").post(
        reverse("workspace:queue-bulk"),
        {"action": "spam", "reason": "ads", "ticket": [t.number for t in three_tickets]},
    )
    assert response.status_code == 403
    assert not Ticket.objects.filter(status=Status.REJECTED).exists()
    assert not AuditEvent.objects.filter(kind=EventKind.STATUS_CHANGED).exists()


def test_spam_needs_a_reason(client, three_tickets):
    signed_in(client, "bsnl_supervisor").post(
        reverse("workspace:queue-bulk"), {"action": "spam", "reason": " ", "ticket": [three_tickets[0].number]}
    )
    assert Ticket.objects.get(pk=three_tickets[0].pk).status == Status.NEW


# --- the ticket page ----------------------------------------------------------------------------


def test_the_ticket_page_shows_the_citizens_earlier_tickets_in_scope_and_this_ones_feedback(client, ingest_ticket):  # noqa: F811
    earlier = ingest_ticket("Bill wrong last month #BSNLSeva")
    posts = ingest_ticket("@PostOfficeIndia parcel lost #PostalSeva", mentions=[POSTS])
    current = ingest_ticket("Broadband down again #BSNLSeva", minutes=3)
    stranger = ingest_ticket("Landline dead #BSNLSeva", author=OTHER_CITIZEN)
    Feedback.objects.create(ticket=earlier, rating=2)
    Feedback.objects.create(ticket=current, rating=5, comment="Fixed quickly, thanks")

    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:ticket", args=[current.number])))

    history = body.split('id="citizen-history-heading"', 1)[1]
    assert earlier.number in history
    assert "2 of 5" in history
    assert posts.number not in body  # another department's: not theirs to see
    assert stranger.number not in body
    assert "Fixed quickly, thanks" in body


# --- countdowns and shortcuts -------------------------------------------------------------------


def test_the_pages_carry_the_countdown_and_shortcuts_in_the_users_language(client, urgency_tickets):
    import json
    import re
    from html import unescape as html_unescape

    signed_in(client, "bsnl_officer")
    for url in (reverse("workspace:queue"), reverse("workspace:ticket", args=[urgency_tickets[1].number])):
        body = html(client.get(url))
        assert '<script src="/static/js/desk.js" defer></script>' in body
        assert '<dialog id="shortcuts" class="shortcuts-dialog" aria-labelledby="shortcuts-heading">' in body
        assert re.search(r'data-due="\d{4}-\d\d-\d\dT', body), url
    words = html_unescape(re.search(r'<meta name="desk-words" content="([^"]*)">', body).group(1))
    assert json.loads(words)["overdue"] == "%(span)s overdue"

    client.post(reverse("set_language"), {"language": "hi", "next": reverse("workspace:queue")})
    body = html(client.get(reverse("workspace:queue")))
    words = html_unescape(re.search(r'<meta name="desk-words" content="([^"]*)">', body).group(1))
    assert json.loads(words)["dueIn"] == "%(span)s में देय"
