"""The staff workspace at /desk/: signing in, the queue, the ticket page and its actions (each through
its view, writing its audit event), the escalation queue, the dashboard's charts, Hindi, scope,
query counts and nothing loaded from elsewhere."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from departments.models import CannedResponse, Department, OfficialAccount
from tests.ingestion.factories import BSNL, POSTS, tweet_id_of, v2_tweet
from tickets.lifecycle import Status
from tickets.models import AuditEvent, Delivery, Escalation, EventKind, InternalNote, Ticket, TicketMessage
from tickets.posting_budget import posting_budget_forget, posting_budget_record
from tickets.services import ticket_claim, ticket_note, ticket_reply

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CITIZEN = ("asha_kochi", "3000000101")
OTHER_CITIZEN = ("ravi_pune", "3000000102")


# --- fixtures and helpers ------------------------------------------------------------------------


def user(username: str) -> User:
    return User.objects.get(username=username)


def signed_in(client, username: str):
    client.force_login(user(username), backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def ingest_ticket(ingest_lines):
    """A ticket made as a citizen's tweet makes one, through the file door."""

    def make(text: str, *, author=CITIZEN, mentions=(), minutes: int = 0, lang: str = "en") -> Ticket:
        page = v2_tweet(text, author=author, mentions=list(mentions), minutes=minutes, lang=lang)
        ingest_lines(page)
        return TicketMessage.objects.select_related("ticket").get(tweet_id=int(tweet_id_of(page))).ticket

    return make


@pytest.fixture
def bsnl_ticket(ingest_ticket) -> Ticket:
    return ingest_ticket("@BSNLCorporate broadband down for a week in Kochi #BSNLSeva", mentions=[BSNL])


@pytest.fixture
def posts_ticket(ingest_ticket) -> Ticket:
    return ingest_ticket(
        "@PostOfficeIndia speed post parcel not delivered #PostalSeva", author=OTHER_CITIZEN, mentions=[POSTS]
    )


def ticket_url(ticket: Ticket) -> str:
    return reverse("workspace:ticket", args=[ticket.number])


def action_url(ticket: Ticket, name: str) -> str:
    return reverse("workspace:ticket-action", args=[ticket.number, name])


def events_of(ticket: Ticket, kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(ticket=ticket, kind=kind).order_by("id"))


def html(response) -> str:
    return response.content.decode()


# --- signing in ----------------------------------------------------------------------------------


def test_every_page_needs_a_sign_in(client, bsnl_ticket):
    for url in (
        reverse("workspace:queue"),
        ticket_url(bsnl_ticket),
        reverse("workspace:escalations"),
        reverse("workspace:dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('workspace:login')}?next={url}"


def test_an_action_without_a_session_changes_nothing(client, bsnl_ticket):
    response = client.post(action_url(bsnl_ticket, "claim"))
    assert response.status_code == 302
    assert events_of(bsnl_ticket, EventKind.ASSIGNED) == []


def test_an_htmx_request_without_a_session_sends_the_page_to_sign_in(client, bsnl_ticket):
    response = client.post(action_url(bsnl_ticket, "claim"), **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("workspace:login"))


def test_signing_in_with_the_password_opens_the_queue_and_is_audited(client, seeded):
    login_page = client.get(reverse("workspace:login"))
    assert login_page.status_code == 200
    assert 'name="username"' in html(login_page)

    response = client.post(reverse("workspace:login"), {"username": "bsnl_officer", "password": "demo-pass-123"})

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:queue")
    assert client.get(reverse("workspace:queue")).status_code == 200
    assert AuditEvent.objects.filter(kind=EventKind.LOGIN, actor=user("bsnl_officer")).exists()


def test_a_wrong_password_is_refused_on_the_form(client, seeded):
    response = client.post(reverse("workspace:login"), {"username": "bsnl_officer", "password": "wrong"})
    assert response.status_code == 200
    assert "correct username and password" in html(response)


def test_signing_out(client, seeded):
    signed_in(client, "bsnl_officer")
    response = client.post(reverse("workspace:logout"))
    assert response.status_code == 302
    assert client.get(reverse("workspace:queue")).status_code == 302


# --- the queue -----------------------------------------------------------------------------------


def test_an_officer_sees_only_their_departments_tickets(client, bsnl_ticket, posts_ticket):
    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:queue")))
    assert bsnl_ticket.number in body
    assert posts_ticket.number not in body


def test_the_queue_is_most_urgent_first_with_badges_and_the_sla_clock(client, ingest_ticket):
    from django.utils import timezone

    older = ingest_ticket("No dial tone in Pune #BSNLSeva", author=OTHER_CITIZEN)
    newer = ingest_ticket("लैंडलाइन खराब है #BSNLSeva", minutes=5, lang="hi")
    Ticket.objects.filter(pk=older.pk).update(first_response_due_at=timezone.now() + timezone.timedelta(hours=3))
    Ticket.objects.filter(pk=newer.pk).update(first_response_due_at=timezone.now() + timezone.timedelta(hours=1))
    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:queue")))

    assert body.index(newer.number) < body.index(older.number)
    assert '<span class="badge-small badge-language" title="Language of the tweet" lang="hi">HI</span>' in body
    # The seed's SLA: the first response is due within the department's business hours.
    assert re.search(r'class="sla sla-(ok|soon|overdue)"', body)


def test_the_sla_clock_is_red_when_overdue_and_amber_within_the_hour(client, ingest_ticket):
    from django.utils import timezone

    overdue = ingest_ticket("No dial tone #BSNLSeva")
    soon = ingest_ticket("Bill wrong #BSNLSeva", author=OTHER_CITIZEN)
    now = timezone.now()
    Ticket.objects.filter(pk=overdue.pk).update(first_response_due_at=now - timezone.timedelta(hours=2))
    Ticket.objects.filter(pk=soon.pk).update(first_response_due_at=now + timezone.timedelta(minutes=30))

    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:queue")))

    assert re.search(r'class="sla sla-overdue"[^>]*>2 h( \d+ min)? overdue<', body)
    assert re.search(r'class="sla sla-soon"[^>]*>due in (29|30) min<', body)


def test_an_escalated_ticket_shows_its_level(client, bsnl_ticket):
    Ticket.objects.filter(pk=bsnl_ticket.pk).update(escalation_level=2)
    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:queue")))
    assert '<span class="badge-small badge-escalation" title="Escalation level">L2</span>' in body


@pytest.mark.parametrize(
    ("query", "mine_shown", "other_shown"),
    [
        ({"assigned_to": "me"}, True, False),
        ({"unassigned": "true"}, False, True),
        ({"status": "assigned"}, True, False),
        ({"escalated": "true"}, False, False),
        ({"department": "BSNL"}, True, True),
        ({"department": "POSTS"}, False, False),
    ],
)
def test_quick_filters(client, ingest_ticket, query, mine_shown, other_shown):
    mine = ingest_ticket("Broadband slow #BSNLSeva")
    other = ingest_ticket("Landline dead #BSNLSeva", author=OTHER_CITIZEN)
    ticket_claim(actor=user("bsnl_officer"), number=mine.number)

    body = html(signed_in(client, "bsnl_officer").get(reverse("workspace:queue"), query))

    assert (mine.number in body, other.number in body) == (mine_shown, other_shown)


def test_search_finds_a_ticket_by_number_words_or_tweet_link(client, ingest_ticket):
    broadband = ingest_ticket("Broadband slow in Kochi #BSNLSeva")
    landline = ingest_ticket("Landline dead #BSNLSeva", author=OTHER_CITIZEN)
    signed_in(client, "bsnl_officer")
    tweet_id = broadband.opening_tweet_id

    for search in (broadband.number, "broadband", f"https://x.com/{CITIZEN[0]}/status/{tweet_id}", str(tweet_id)):
        body = html(client.get(reverse("workspace:queue"), {"search": search}))
        assert broadband.number in body, search
        assert landline.number not in body, search


def test_a_bad_filter_is_explained_not_a_500(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").get(reverse("workspace:queue"), {"assigned_to": "somebody"})
    assert response.status_code == 200
    assert "Give a user id or &#x27;me&#x27;." in html(response)
    assert bsnl_ticket.number not in html(response)


def test_load_more_pages_by_keyset_with_htmx(client, ingest_ticket, monkeypatch):
    monkeypatch.setattr("tickets.workspace.views.QUEUE_PAGE_SIZE", 2)
    tickets = [
        ingest_ticket(f"Complaint number {n} #BSNLSeva", author=(f"c{n}", f"30000002{n:02d}")) for n in range(5)
    ]
    for ticket in tickets:
        ticket.refresh_from_db()
    newest_first = [t.number for t in sorted(tickets, key=lambda t: (t.queue_due_at, t.priority, t.id))]
    signed_in(client, "bsnl_officer")

    first = html(client.get(reverse("workspace:queue")))
    assert [n for n in newest_first if n in first] == newest_first[:2]
    more = re.search(r'hx-get="\?([^"]+)"', first).group(1).replace("&amp;", "&")

    second = client.get(f"{reverse('workspace:queue')}?{more}", **HTMX)
    body = html(second)
    assert "<html" not in body  # rows only, appended in place of the button
    assert [n for n in newest_first if n in body] == newest_first[2:4]
    assert 'id="queue-more"' in body


def test_take_next_gives_the_officer_the_oldest_unassigned_ticket(client, ingest_ticket):
    oldest = ingest_ticket("First complaint #BSNLSeva")
    ingest_ticket("Second complaint #BSNLSeva", author=OTHER_CITIZEN, minutes=3)

    response = signed_in(client, "bsnl_officer").post(reverse("workspace:take-next"))

    assert response.status_code == 302
    assert response["Location"] == ticket_url(oldest)
    oldest.refresh_from_db()
    assert oldest.assigned_to == user("bsnl_officer")
    assert events_of(oldest, EventKind.ASSIGNED)[0].data["how"] == "take_next"


def test_take_next_with_nothing_waiting_says_so(client, seeded):
    response = signed_in(client, "bsnl_officer").post(reverse("workspace:take-next"), follow=True)
    assert "Nothing is waiting" in html(response)


def test_an_auditor_cannot_take_next(client, bsnl_ticket):
    body = html(signed_in(client, "auditor").get(reverse("workspace:queue")))
    assert "Take next" not in body
    assert client.post(reverse("workspace:take-next")).status_code == 403
    assert events_of(bsnl_ticket, EventKind.ASSIGNED) == []


# --- the ticket page -----------------------------------------------------------------------------


def test_the_ticket_page_shows_the_thread_notes_delivery_and_audit_trail(client, bsnl_ticket):
    officer = user("bsnl_officer")
    ticket_claim(actor=officer, number=bsnl_ticket.number)
    ticket_note(actor=officer, number=bsnl_ticket.number, text="Called the exchange; cable cut.")
    ticket_reply(actor=officer, number=bsnl_ticket.number, text="We are on it.")
    TicketMessage.objects.filter(ticket=bsnl_ticket, kind="ack").update(
        delivery=Delivery.FAILED, last_error="duplicate content"
    )

    body = html(signed_in(client, "bsnl_officer").get(ticket_url(bsnl_ticket)))

    assert "broadband down for a week in Kochi" in body
    assert f"@{CITIZEN[0]}" in body
    assert "Called the exchange; cable cut." in body
    assert "Staff only: the citizen never sees this." in body
    assert "We are on it." in body
    assert '<span class="delivery delivery-queued">Queued</span>' in body
    assert '<span class="delivery delivery-failed">Failed</span>' in body
    assert "duplicate content" in body
    for label in ("Created", "Assigned", "Internal note", "Reply queued"):
        assert f'<span class="timeline-label">{label}</span>' in body
    assert "BSNL_KL" in body  # the unit Kochi routed it to
    assert 'class="sla-clock sla-' in body


def test_another_departments_ticket_is_404_on_the_page_and_its_actions(client, bsnl_ticket):
    signed_in(client, "posts_officer")
    assert client.get(ticket_url(bsnl_ticket)).status_code == 404
    assert client.post(action_url(bsnl_ticket, "claim")).status_code == 404
    assert client.post(action_url(bsnl_ticket, "note"), {"text": "hello"}, **HTMX).status_code == 404
    assert events_of(bsnl_ticket, EventKind.ASSIGNED) == []
    assert not InternalNote.objects.filter(ticket=bsnl_ticket).exists()


def test_a_malformed_number_or_unknown_action_is_404(client, bsnl_ticket):
    signed_in(client, "bsnl_officer")
    assert client.get(reverse("workspace:ticket", args=["not-a-ticket"])).status_code == 404
    assert client.post(action_url(bsnl_ticket, "delete")).status_code == 404


def test_an_officer_gets_the_working_forms_but_not_assignment(client, bsnl_ticket):
    body = html(signed_in(client, "bsnl_officer").get(ticket_url(bsnl_ticket)))
    for name in ("claim", "transition", "reply", "note", "transfer", "merge"):
        assert f'id="action-{name}"' in body, name
    assert 'id="action-assign"' not in body


def test_a_supervisor_gets_the_assign_form_with_the_departments_staff(client, bsnl_ticket, posts_ticket):
    body = html(signed_in(client, "bsnl_supervisor").get(ticket_url(bsnl_ticket)))
    assign_form = body[body.index('id="action-assign"') :]
    assign_form = assign_form[: assign_form.index("</form>")]
    assert "bsnl_officer" in assign_form
    assert "posts_officer" not in assign_form


def test_an_auditor_sees_no_action_forms_and_a_post_is_refused(client, bsnl_ticket):
    signed_in(client, "auditor")
    body = html(client.get(ticket_url(bsnl_ticket)))
    assert 'id="action-' not in body
    assert "you cannot change it" in body

    response = client.post(action_url(bsnl_ticket, "claim"), **HTMX)
    assert response.status_code == 403
    assert "You may read this ticket but not change it." in html(response)
    without_javascript = client.post(action_url(bsnl_ticket, "note"), {"text": "hm"})
    assert without_javascript.status_code == 403
    assert "You may read this ticket but not change it." in html(without_javascript)
    assert events_of(bsnl_ticket, EventKind.ASSIGNED) == []
    assert events_of(bsnl_ticket, EventKind.NOTE) == []


# --- the actions, each through its view ---------------------------------------------------------


def test_claim_with_htmx_redraws_the_workspace(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").post(action_url(bsnl_ticket, "claim"), **HTMX)

    assert response.status_code == 200
    body = html(response)
    assert body.startswith('<div id="ticket-workspace"')
    assert 'hx-swap-oob="true"' in body
    assert "The ticket is yours now." in body
    bsnl_ticket.refresh_from_db()
    assert (bsnl_ticket.status, bsnl_ticket.assigned_to) == (Status.ASSIGNED, user("bsnl_officer"))
    assert events_of(bsnl_ticket, EventKind.ASSIGNED)[0].data["how"] == "claim"


def test_claim_without_javascript_redirects_back_with_a_message(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").post(action_url(bsnl_ticket, "claim"))
    assert response.status_code == 302
    assert response["Location"] == ticket_url(bsnl_ticket)
    assert "The ticket is yours now." in html(client.get(ticket_url(bsnl_ticket)))


def test_claiming_a_ticket_someone_has_is_a_409_in_the_form(client, bsnl_ticket):
    ticket_claim(actor=user("bsnl_supervisor"), number=bsnl_ticket.number)
    # The officer's page was drawn before the supervisor claimed it.
    response = signed_in(client, "bsnl_officer").post(action_url(bsnl_ticket, "claim"), **HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#action-claim"
    assert "Someone already works this ticket" in html(response)


def test_assign_by_a_supervisor(client, bsnl_ticket):
    officer = user("bsnl_officer")
    response = signed_in(client, "bsnl_supervisor").post(
        action_url(bsnl_ticket, "assign"), {"user": officer.pk}, **HTMX
    )
    assert response.status_code == 200
    bsnl_ticket.refresh_from_db()
    assert bsnl_ticket.assigned_to == officer
    event = events_of(bsnl_ticket, EventKind.ASSIGNED)[0]
    assert (event.actor, event.data["how"]) == (user("bsnl_supervisor"), "assign")


def test_assign_by_an_officer_is_refused(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").post(
        action_url(bsnl_ticket, "assign"), {"user": user("bsnl_officer").pk}, **HTMX
    )
    assert response.status_code == 403
    assert events_of(bsnl_ticket, EventKind.ASSIGNED) == []


def test_change_status(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").post(
        action_url(bsnl_ticket, "transition"), {"to": Status.IN_PROGRESS, "note": ""}, **HTMX
    )
    assert response.status_code == 200
    assert "Status changed to In progress." in html(response)
    bsnl_ticket.refresh_from_db()
    assert bsnl_ticket.status == Status.IN_PROGRESS
    assert events_of(bsnl_ticket, EventKind.STATUS_CHANGED)[0].data["to"] == Status.IN_PROGRESS


def test_resolving_without_a_note_shows_the_services_error_in_the_form(client, bsnl_ticket):
    officer = user("bsnl_officer")
    ticket_claim(actor=officer, number=bsnl_ticket.number)
    signed_in(client, "bsnl_officer")

    response = client.post(action_url(bsnl_ticket, "transition"), {"to": Status.RESOLVED, "note": " "}, **HTMX)

    assert response.status_code == 400
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#action-transition", "outerHTML")
    body = html(response)
    assert body.startswith('<form id="action-transition"')
    assert "Resolving a ticket needs a resolution note." in body
    assert 'aria-invalid="true"' in body
    assert '<option value="resolved" selected>' in body  # what was chosen stays chosen
    bsnl_ticket.refresh_from_db()
    assert bsnl_ticket.status == Status.ASSIGNED
    assert events_of(bsnl_ticket, EventKind.STATUS_CHANGED) == []


def test_a_refused_action_without_javascript_shows_the_page_with_the_error(client, bsnl_ticket):
    ticket_claim(actor=user("bsnl_officer"), number=bsnl_ticket.number)
    response = signed_in(client, "bsnl_officer").post(
        action_url(bsnl_ticket, "transition"), {"to": Status.REJECTED, "note": ""}
    )
    assert response.status_code == 400
    body = html(response)
    assert "<html" in body
    assert "Rejecting a ticket needs a reason." in body


def test_resolving_with_a_note_tells_the_citizen(client, bsnl_ticket):
    ticket_claim(actor=user("bsnl_officer"), number=bsnl_ticket.number)
    response = signed_in(client, "bsnl_officer").post(
        action_url(bsnl_ticket, "transition"), {"to": Status.RESOLVED, "note": "Cable spliced at Kaloor."}, **HTMX
    )
    assert response.status_code == 200
    bsnl_ticket.refresh_from_db()
    assert (bsnl_ticket.status, bsnl_ticket.resolution_note) == (Status.RESOLVED, "Cable spliced at Kaloor.")
    assert TicketMessage.objects.filter(ticket=bsnl_ticket, text__contains="Cable spliced at Kaloor.").exists()


def test_reply_queues_a_post_and_shows_it_in_the_thread(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").post(
        action_url(bsnl_ticket, "reply"), {"text": "Our engineer visits tomorrow."}, **HTMX
    )
    assert response.status_code == 200
    assert "Our engineer visits tomorrow." in html(response)
    message = TicketMessage.objects.get(ticket=bsnl_ticket, text="Our engineer visits tomorrow.")
    assert (message.direction, message.delivery, message.sent_by) == ("out", Delivery.QUEUED, user("bsnl_officer"))
    assert events_of(bsnl_ticket, EventKind.REPLIED)[0].data["message_ids"] == [message.pk]


def test_an_empty_reply_is_refused_in_the_form(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").post(action_url(bsnl_ticket, "reply"), {"text": ""}, **HTMX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#action-reply"
    assert "Write the reply first." in html(response)
    assert events_of(bsnl_ticket, EventKind.REPLIED) == []


def test_note(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").post(
        action_url(bsnl_ticket, "note"), {"text": "Citizen called the helpline too."}, **HTMX
    )
    assert response.status_code == 200
    assert "Citizen called the helpline too." in html(response)
    note = InternalNote.objects.get(ticket=bsnl_ticket)
    assert events_of(bsnl_ticket, EventKind.NOTE)[0].data == {"note_id": note.pk}


def test_transfer_to_a_department_the_officer_cannot_see_goes_back_to_the_queue(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").post(
        action_url(bsnl_ticket, "transfer"), {"department": "POSTS", "reason": "A parcel, not a line."}, **HTMX
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("workspace:queue")
    bsnl_ticket.refresh_from_db()
    assert bsnl_ticket.department == Department.objects.get(code="POSTS")
    assert events_of(bsnl_ticket, EventKind.TRANSFERRED)[0].data["reason"] == "A parcel, not a line."


def test_transfer_needs_a_reason(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").post(
        action_url(bsnl_ticket, "transfer"), {"department": "POSTS", "reason": ""}, **HTMX
    )
    assert response.status_code == 400
    assert "Give a reason." in html(response)  # the reason field's own error, beside the field
    assert events_of(bsnl_ticket, EventKind.TRANSFERRED) == []


def test_merge(client, bsnl_ticket, ingest_ticket):
    original = ingest_ticket("Landline dead again #BSNLSeva", author=OTHER_CITIZEN)
    response = signed_in(client, "bsnl_officer").post(
        action_url(bsnl_ticket, "merge"), {"into": original.number.lower()}, **HTMX
    )
    assert response.status_code == 200
    body = html(response)
    assert f'href="{ticket_url(original)}"' in body  # "duplicate of", linked
    bsnl_ticket.refresh_from_db()
    assert (bsnl_ticket.status, bsnl_ticket.merged_into) == (Status.REJECTED, original)
    assert events_of(bsnl_ticket, EventKind.MERGED)[0].data["into"] == original.number
    assert events_of(original, EventKind.MERGED)[0].data["merged"] == bsnl_ticket.number


def test_merge_into_a_ticket_of_another_department_is_refused_on_the_field(client, bsnl_ticket, posts_ticket):
    response = signed_in(client, "bsnl_officer").post(
        action_url(bsnl_ticket, "merge"), {"into": posts_ticket.number}, **HTMX
    )
    assert response.status_code == 400
    assert "No ticket you can see has this number." in html(response)


def test_the_reply_counter_counts_as_x_does(client, seeded):
    signed_in(client, "bsnl_officer")
    latin = html(client.post(reverse("workspace:reply-length"), {"text": "Hello"}, **HTMX))
    assert "5 of 280 characters" in latin
    # Each Devanagari code point weighs 2 (tickets.outbox.weighted_length): नमस्ते is 6 of them.
    assert "12 of 280 characters" in html(client.post(reverse("workspace:reply-length"), {"text": "नमस्ते"}))
    long = html(client.post(reverse("workspace:reply-length"), {"text": "word " * 100}))
    assert "thread of 2 posts" in long


def test_a_canned_response_is_inserted_filled_in(client, bsnl_ticket):
    canned = CannedResponse.objects.get(department__code="BSNL", title="Acknowledged, working on it")
    response = signed_in(client, "bsnl_officer").get(
        reverse("workspace:canned-response-insert", args=[bsnl_ticket.number]),
        {"canned_response": canned.pk, "language": "hi"},
        **HTMX,
    )
    assert response.status_code == 200
    body = html(response)
    assert body.startswith('<div id="reply-compose"')
    assert f"प्रिय @{CITIZEN[0]}, आपकी शिकायत {bsnl_ticket.number}" in body


def test_choosing_no_canned_response_leaves_the_reply_box_alone(client, bsnl_ticket):
    response = signed_in(client, "bsnl_officer").get(
        reverse("workspace:canned-response-insert", args=[bsnl_ticket.number]), {"canned_response": ""}, **HTMX
    )
    assert response.status_code == 204


def test_a_canned_response_of_another_department_is_not_inserted(client, bsnl_ticket):
    canned = CannedResponse.objects.get(department__code="POSTS", title="Details needed")
    response = signed_in(client, "bsnl_officer").get(
        reverse("workspace:canned-response-insert", args=[bsnl_ticket.number]), {"canned_response": canned.pk}
    )
    assert "No such canned response for this ticket&#x27;s department." in html(response)


# --- escalations ---------------------------------------------------------------------------------


@pytest.fixture
def escalation(bsnl_ticket) -> Escalation:
    return Escalation.objects.create(
        ticket=bsnl_ticket, level=2, notify_department=Department.objects.get(code="BSNL")
    )


def test_a_supervisor_acknowledges_an_escalation(client, escalation):
    signed_in(client, "bsnl_supervisor")
    page = html(client.get(reverse("workspace:escalations")))
    assert escalation.ticket.number in page
    url = reverse("workspace:escalation-acknowledge", args=[escalation.pk])
    assert f'hx-post="{url}"' in page

    response = client.post(url, **HTMX)

    assert response.status_code == 200
    assert "Acknowledged by" in html(response)
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == user("bsnl_supervisor")
    assert events_of(escalation.ticket, EventKind.ESCALATION_ACKNOWLEDGED)[0].data["escalation_id"] == escalation.pk
    assert escalation.ticket.number not in html(client.get(reverse("workspace:escalations")))


def test_an_officer_sees_escalations_but_cannot_acknowledge(client, escalation):
    signed_in(client, "bsnl_officer")
    page = html(client.get(reverse("workspace:escalations")))
    assert escalation.ticket.number in page
    assert "Acknowledge</button>" not in page
    response = client.post(reverse("workspace:escalation-acknowledge", args=[escalation.pk]), **HTMX)
    assert response.status_code == 403
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


def test_another_departments_escalation_is_hidden_and_404(client, escalation):
    signed_in(client, "posts_officer")
    assert escalation.ticket.number not in html(client.get(reverse("workspace:escalations")))
    assert client.post(reverse("workspace:escalation-acknowledge", args=[escalation.pk])).status_code == 404


# --- the dashboard -------------------------------------------------------------------------------


def test_the_dashboard_draws_its_charts_and_map_as_accessible_svg(client, bsnl_ticket, posts_ticket):
    response = signed_in(client, "auditor").get(reverse("workspace:dashboard"))
    assert response.status_code == 200
    body = html(response)
    assert body.count("<svg") == 2  # the week's volume, the map
    assert 'role="group" aria-labelledby="map-title"' in body
    assert '<use href="/static/vendor/svg-maps-india/india.svg#mh"' in body
    # Each hour's bar with tickets is a link with its count in words.
    assert re.search(r'<a href="/desk/\?status=all&amp;created_after=[^"]+" aria-label="[^"]+: 2 tickets">', body)
    # The report has a page of its own now: a link, not a form.
    assert '<a href="/desk/reports/">Accountability report</a>' in body
    assert "<form" not in body.split('class="filters dashboard-period"')[1]


def test_the_dashboard_is_not_for_officers(client, bsnl_ticket):
    signed_in(client, "bsnl_officer")
    assert client.get(reverse("workspace:dashboard")).status_code == 403
    assert client.get(reverse("workspace:dashboard-live")).status_code == 403


@pytest.fixture
def bsnl_budget(seeded):
    """What X said is left for @BSNLCorporate and the app (in Redis, so forgotten afterwards)."""
    account = OfficialAccount.objects.get(handle="BSNLCorporate")
    resets_at = timezone.now() + timedelta(minutes=10)
    posting_budget_record(account_id=account.pk, limit=100, remaining=0, reset_at=resets_at)
    posting_budget_record(account_id=None, limit=10_000, remaining=9_400, reset_at=timezone.now() + timedelta(hours=5))
    yield resets_at
    posting_budget_forget(account_ids=[account.pk])


def test_the_dashboard_shows_each_accounts_posting_budget_and_the_apps(client, bsnl_ticket, bsnl_budget):
    body = html(signed_in(client, "bsnl_supervisor").get(reverse("workspace:dashboard")))

    row = re.search(r"<tr>\s*<th scope=\"row\">@BSNLCorporate.*?</tr>", body, re.S).group(0)
    assert "100 / 100" in row  # used of the window
    assert "<strong>0</strong>" in row  # left
    assert f'datetime="{timezone.localtime(bsnl_budget).isoformat()[:16]}' in row  # when it resets
    # The acknowledgement of the open ticket waits for the budget.
    assert re.findall(r'<td class="num">(\d+)</td>', row)[-1] == "1"
    assert "The app may post 9,400 more of 10,000 in its 24-hour window" in body
    assert "@PostOfficeIndia" not in body  # another department's account


# --- Hindi ---------------------------------------------------------------------------------------


def test_the_workspace_speaks_hindi(client, bsnl_ticket):
    signed_in(client, "bsnl_officer")
    client.post(reverse("set_language"), {"language": "hi", "next": reverse("workspace:queue")})

    queue = html(client.get(reverse("workspace:queue")))
    assert '<html lang="hi">' in queue
    assert "कतार" in queue
    assert "अगला लें" in queue  # Take next
    assert "नया" in queue  # the status "New"

    ticket_page = html(client.get(ticket_url(bsnl_ticket)))
    assert "नागरिक को उत्तर दें" in ticket_page  # Reply to the citizen
    assert "आंतरिक टिप्पणी" in ticket_page  # Internal note

    ticket_claim(actor=user("bsnl_officer"), number=bsnl_ticket.number)
    refused = html(client.post(action_url(bsnl_ticket, "transition"), {"to": "resolved", "note": ""}, **HTMX))
    assert "समाधान नोट" in refused  # the service's error, in Hindi

    signed_in(client, "bsnl_supervisor")
    dashboard = html(client.get(reverse("workspace:dashboard")))
    assert "डैशबोर्ड" in dashboard
    assert "आज" in dashboard  # the period: today


# --- query counts --------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_queue_reads_a_fixed_number_of_queries(client, ingest_ticket):
    signed_in(client, "bsnl_officer")
    officer = user("bsnl_officer")
    first = ingest_ticket("One #BSNLSeva")
    ticket_claim(actor=officer, number=first.number)
    few = _queries(client, reverse("workspace:queue"))
    for n in range(6):
        ticket = ingest_ticket(f"More {n} in Pune #BSNLSeva", author=(f"p{n}", f"30000003{n:02d}"))
        ticket_claim(actor=officer, number=ticket.number)
    many = _queries(client, reverse("workspace:queue"))

    # session, user, whether a second factor is owed, the departments for the filter, the roles
    # (Take next), the tickets, the incidents' rows, the newest id (where polling starts), the
    # saved filters, the header's duty switch.
    assert few == many == 10


def test_the_ticket_page_reads_a_fixed_number_of_queries(client, bsnl_ticket):
    officer = user("bsnl_officer")
    signed_in(client, "bsnl_supervisor")
    few = _queries(client, ticket_url(bsnl_ticket))
    ticket_claim(actor=officer, number=bsnl_ticket.number)
    for n in range(4):
        ticket_note(actor=officer, number=bsnl_ticket.number, text=f"Note {n}")
        ticket_reply(actor=officer, number=bsnl_ticket.number, text=f"Reply {n}")
    many = _queries(client, ticket_url(bsnl_ticket))

    # session, user, whether a second factor is owed, ticket, messages, events, notes, roles, scope,
    # assignees, canned responses, departments to transfer to, categories, the citizen's earlier
    # tickets, the ticket's feedback, the header's duty switch.
    assert few == many == 16


# --- nothing from elsewhere ----------------------------------------------------------------------

_ASSET_TAG = re.compile(r"<(?:script|link|img)\b[^>]*>", re.IGNORECASE)


def test_no_page_loads_anything_from_elsewhere(client, bsnl_ticket):
    Escalation.objects.create(ticket=bsnl_ticket, level=1, notify_department=Department.objects.get(code="BSNL"))
    login_page = html(client.get(reverse("workspace:login")))
    assert not [tag for tag in _ASSET_TAG.findall(login_page) if "//" in tag]
    signed_in(client, "bsnl_supervisor")
    pages = [
        reverse("workspace:queue"),
        ticket_url(bsnl_ticket),
        reverse("workspace:escalations"),
        reverse("workspace:dashboard"),
    ]
    for url in pages:
        body = html(client.get(url))
        tags = _ASSET_TAG.findall(body)
        assert tags, url
        external = [tag for tag in tags if re.search(r'(?:src|href)="(?:https?:)?//', tag)]
        assert external == [], url
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in body
