"""Issue 9 in the workspace: officers switch themselves on and off duty (the header's switch, an audit
event), supervisors see who is on duty, and the escalation desk: oldest first, every escalation
reachable page by page, reassign and comment from the row, a fixed number of queries per page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from departments.models import Department, Membership
from tests.factories.tickets import TicketFactory, department, staff
from tickets.models import AuditEvent, Escalation, EventKind, InternalNote, Ticket
from tickets.workspace.escalations import ESCALATIONS_PAGE_SIZE

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def user(username: str) -> User:
    return User.objects.get(username=username)


def signed_in(client, username: str):
    client.force_login(user(username), backend="django.contrib.auth.backends.ModelBackend")
    return client


def html(response) -> str:
    return response.content.decode()


def escalations_of(count: int, *, code: str = "BSNL", unit: str | None = None) -> list[Escalation]:
    """`count` escalated tickets of `code`, the first raised longest ago (a minute apart)."""
    dept = department(code)
    tickets = Ticket.objects.bulk_create(
        TicketFactory.build_batch(count, department=dept, unit=department(unit) if unit else None, reply_account=None)
    )
    start = timezone.now() - timedelta(days=30)
    return Escalation.objects.bulk_create(
        Escalation(ticket=ticket, level=1, notify_department=dept, raised_at=start + timedelta(minutes=n))
        for n, ticket in enumerate(tickets)
    )


# --- on and off duty -----------------------------------------------------------------------------


def test_an_officer_goes_off_duty_from_the_header_and_it_is_audited(client, seeded):
    signed_in(client, "bsnl_officer")
    page = html(client.get(reverse("workspace:queue")))
    assert "Go off duty" in page
    assert f'hx-post="{reverse("workspace:duty")}"' in page

    response = client.post(reverse("workspace:duty"), {"on_duty": "off"}, **HTMX)

    assert response.status_code == 200
    assert "Go on duty" in html(response)
    assert "You are off duty." in html(response)  # the flash, out of band
    assert not Membership.objects.get(user=user("bsnl_officer")).on_duty
    event = AuditEvent.objects.get(kind=EventKind.DUTY_CHANGED)
    assert event.actor == user("bsnl_officer")
    assert (event.data["on_duty"], event.data["departments"]) == (False, ["BSNL"])
    # Going off duty again changes nothing and writes nothing.
    client.post(reverse("workspace:duty"), {"on_duty": "off"}, **HTMX)
    assert AuditEvent.objects.filter(kind=EventKind.DUTY_CHANGED).count() == 1


def test_without_javascript_the_switch_goes_back_to_the_page(client, seeded):
    signed_in(client, "bsnl_officer")
    Membership.objects.filter(user__username="bsnl_officer").update(on_duty=False)
    back = reverse("workspace:escalations")
    response = client.post(reverse("workspace:duty"), {"on_duty": "on", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    assert Membership.objects.get(user=user("bsnl_officer")).on_duty
    elsewhere = client.post(reverse("workspace:duty"), {"on_duty": "on", "next": "https://example.com/"})
    assert elsewhere["Location"] == reverse("workspace:queue")


def test_someone_who_is_no_officer_has_no_switch(client, seeded):
    signed_in(client, "bsnl_supervisor")
    assert "Go off duty" not in html(client.get(reverse("workspace:queue")))
    assert client.post(reverse("workspace:duty"), {"on_duty": "off"}).status_code == 403
    assert not AuditEvent.objects.filter(kind=EventKind.DUTY_CHANGED).exists()


def test_supervisors_see_who_is_on_duty_and_officers_do_not(client, seeded):
    kerala = staff("BSNL_KL", username="kochi_officer")
    Membership.objects.filter(user=kerala).update(on_duty=False)
    page = html(signed_in(client, "bsnl_supervisor").get(reverse("workspace:escalations")))
    assert "duty-list-title" in page
    assert "Bsnl Officer" in page  # seeded display name
    assert "kochi_officer" in page
    assert "posts_officer" not in page
    assert "Posts Officer" not in page
    assert "duty-list-title" not in html(signed_in(client, "bsnl_officer").get(reverse("workspace:escalations")))


# --- the escalation desk -------------------------------------------------------------------------


def test_the_desk_shows_the_oldest_first_and_reaches_every_escalation_page_by_page(client, seeded):
    escalations = escalations_of(230)  # more than the old cap of 200
    signed_in(client, "bsnl_supervisor")
    seen, url = [], reverse("workspace:escalations")
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.context
        seen += [row["escalation"].pk for row in page["rows"]]
        assert "230 waiting for a supervisor" in html(response)
        url = f"{reverse('workspace:escalations')}?after={page['next_after']}" if page["next_after"] else None
    assert seen == [e.pk for e in escalations]  # oldest first, each once
    first_page = html(client.get(reverse("workspace:escalations")))
    assert escalations[0].ticket.number in first_page
    assert escalations[ESCALATIONS_PAGE_SIZE].ticket.number not in first_page


def test_acknowledging_on_one_page_moves_nothing_off_the_next(client, seeded):
    escalations = escalations_of(ESCALATIONS_PAGE_SIZE + 5)
    signed_in(client, "bsnl_supervisor")
    first = client.get(reverse("workspace:escalations")).context
    for escalation in escalations[:3]:
        client.post(reverse("workspace:escalation-acknowledge", args=[escalation.pk]), **HTMX)
    second = client.get(f"{reverse('workspace:escalations')}?after={first['next_after']}").context
    assert [row["escalation"].pk for row in second["rows"]] == [e.pk for e in escalations[ESCALATIONS_PAGE_SIZE:]]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_desk_reads_a_fixed_number_of_queries_per_page(client, seeded, django_assert_num_queries):
    escalations_of(2)
    signed_in(client, "bsnl_supervisor")
    few = _queries(client, reverse("workspace:escalations"))
    staff("BSNL_KL")
    escalations_of(10, unit="BSNL_KL")
    escalations_of(10, code="BSNL", unit="BSNL_MH")
    escalations_of(10)
    # session, user, whether a second factor is owed, the escalations, their count, the roles, the
    # scopes' ancestors, their assignees, who is on duty, the header's duty switch.
    with django_assert_num_queries(few):
        client.get(reverse("workspace:escalations"))
    assert few == 10


def test_a_supervisor_reassigns_from_the_desk_without_leaving_it(client, seeded):
    (escalation,) = escalations_of(1)
    officer = user("bsnl_officer")
    signed_in(client, "bsnl_supervisor")
    page = html(client.get(reverse("workspace:escalations")))
    url = reverse("workspace:escalation-assign", args=[escalation.pk])
    assert f'hx-post="{url}"' in page

    response = client.post(url, {f"e{escalation.pk}-user": officer.pk}, **HTMX)

    assert response.status_code == 200
    body = html(response)
    assert body.startswith("<tr")
    assert f'id="escalation-{escalation.pk}"' in body
    assert "Bsnl Officer" in body
    assert Ticket.objects.get(pk=escalation.ticket_id).assigned_to == officer
    event = AuditEvent.objects.get(kind=EventKind.ASSIGNED, ticket_id=escalation.ticket_id)
    assert (event.data["how"], event.actor) == ("assign", user("bsnl_supervisor"))


def test_reassigning_to_someone_outside_the_scope_is_refused_in_the_row(client, seeded):
    (escalation,) = escalations_of(1)
    signed_in(client, "bsnl_supervisor")
    url = reverse("workspace:escalation-assign", args=[escalation.pk])
    response = client.post(url, {f"e{escalation.pk}-user": user("posts_officer").pk}, **HTMX)
    assert response.status_code == 400
    assert '<details class="desk-actions" open>' in html(response)
    assert Ticket.objects.get(pk=escalation.ticket_id).assigned_to is None


def test_an_officer_comments_from_the_desk_but_cannot_reassign(client, seeded):
    (escalation,) = escalations_of(1)
    signed_in(client, "bsnl_officer")
    page = html(client.get(reverse("workspace:escalations")))
    assert reverse("workspace:escalation-assign", args=[escalation.pk]) not in page
    note_url = reverse("workspace:escalation-note", args=[escalation.pk])
    assert f'hx-post="{note_url}"' in page

    response = client.post(note_url, {f"e{escalation.pk}-text": "Called the exchange."}, **HTMX)

    assert response.status_code == 200
    assert "Note added." in html(response)
    note = InternalNote.objects.get(ticket_id=escalation.ticket_id)
    assert (note.text, note.author) == ("Called the exchange.", user("bsnl_officer"))
    assert AuditEvent.objects.filter(kind=EventKind.NOTE, ticket_id=escalation.ticket_id).exists()
    refused = client.post(
        reverse("workspace:escalation-assign", args=[escalation.pk]), {f"e{escalation.pk}-user": 1}, **HTMX
    )
    assert refused.status_code == 403
    assert Ticket.objects.get(pk=escalation.ticket_id).assigned_to is None


def test_an_empty_comment_is_refused_in_the_row(client, seeded):
    (escalation,) = escalations_of(1)
    signed_in(client, "bsnl_supervisor")
    response = client.post(reverse("workspace:escalation-note", args=[escalation.pk]), {}, **HTMX)
    assert response.status_code == 400
    assert "Write the note." in html(response)
    assert not InternalNote.objects.exists()


def test_another_departments_escalation_cannot_be_reassigned_or_commented(client, seeded):
    (escalation,) = escalations_of(1, code="POSTS")
    signed_in(client, "bsnl_supervisor")
    for name in ("escalation-assign", "escalation-note"):
        assert client.post(reverse(f"workspace:{name}", args=[escalation.pk]), {}).status_code == 404
    assert Department.objects.filter(code="POSTS").exists()
