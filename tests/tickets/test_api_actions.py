"""The officers' actions through the HTTP API: shapes, status codes, the error shape, the queues,
reports, the token exchange, and query counts that do not grow."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from departments.models import CannedResponse, OfficialAccount, Role
from tests.factories.tickets import department, staff, ticket_of
from tickets.lifecycle import Status
from tickets.models import AuditEvent, Direction, Escalation, EventKind, Feedback, InternalNote, Ticket, TicketMessage
from tickets.posting_budget import posting_budget_forget, posting_budget_record
from tickets.services import ticket_note, ticket_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(seeded, client_for):
    return client_for(User.objects.get(username="bsnl_officer"))


@pytest.fixture
def supervisor(seeded, client_for):
    return client_for(User.objects.get(username="bsnl_supervisor"))


def action(client, number: str, name: str, body: dict | None = None):
    return client.post(reverse(f"ticket-{name}", args=[number]), body or {}, format="json")


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


# --- the ticket actions ------------------------------------------------------------------------


def test_claim_returns_the_ticket(officer):
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    response = action(officer, ticket.number, "claim")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["number"], body["status"], body["assigned_to"], body["unit"]) == (
        ticket.number,
        "assigned",
        "bsnl_officer",
        "BSNL_KL",
    )


def test_claim_of_an_assigned_ticket_is_409(officer):
    ticket = ticket_of("BSNL", status=Status.ASSIGNED, assigned_to=User.objects.get(username="bsnl_supervisor"))
    assert error_of(action(officer, ticket.number, "claim"), 409)["code"] == "already_assigned"


def test_assign_by_username(supervisor):
    ticket = ticket_of("BSNL")
    response = action(supervisor, ticket.number, "assign", {"user": "bsnl_officer"})
    assert response.json()["assigned_to"] == "bsnl_officer"


def test_assign_to_someone_outside_the_scope_is_400_on_user(supervisor):
    ticket = ticket_of("BSNL")
    error = error_of(action(supervisor, ticket.number, "assign", {"user": "posts_officer"}), 400)
    assert list(error["fields"]) == ["user"]


def test_assign_without_a_user_is_400(supervisor):
    ticket = ticket_of("BSNL")
    assert list(error_of(action(supervisor, ticket.number, "assign", {}), 400)["fields"]) == ["user"]


def test_transition_through_the_api(officer):
    ticket = ticket_of("BSNL")
    response = action(officer, ticket.number, "transition", {"to": "in_progress"})
    assert (response.status_code, response.json()["status"]) == (200, "in_progress")


def test_resolving_without_a_note_is_400(officer):
    ticket = ticket_of("BSNL", status=Status.IN_PROGRESS)
    error = error_of(action(officer, ticket.number, "transition", {"to": "resolved"}), 400)
    assert (error["code"], list(error["fields"])) == ("resolution_note_required", ["note"])
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS


def test_rejecting_without_a_reason_is_400(officer):
    ticket = ticket_of("BSNL")
    error = error_of(action(officer, ticket.number, "transition", {"to": "rejected", "note": " "}), 400)
    assert (error["code"], list(error["fields"])) == ("rejection_reason_required", ["note"])


def test_a_transition_outside_the_table_is_409(officer):
    ticket = ticket_of("BSNL")
    assert error_of(action(officer, ticket.number, "transition", {"to": "closed"}), 409)["code"] == (
        "transition_not_allowed"
    )


def test_an_unknown_status_is_400(officer):
    ticket = ticket_of("BSNL")
    assert list(error_of(action(officer, ticket.number, "transition", {"to": "done"}), 400)["fields"]) == ["to"]


def test_resolving_tells_the_citizen(officer):
    ticket = ticket_of("BSNL", status=Status.IN_PROGRESS)
    response = action(officer, ticket.number, "transition", {"to": "resolved", "note": "Exchange card replaced."})
    assert response.json()["status"] == "resolved"
    message = TicketMessage.objects.get(ticket=ticket, direction=Direction.OUT)
    assert "Exchange card replaced." in message.text


def test_reply_returns_the_queued_posts(officer):
    ticket = ticket_of("BSNL")
    response = action(officer, ticket.number, "reply", {"text": "A lineman will visit today."})
    assert response.status_code == 201, response.content
    [post] = response.json()
    assert (post["direction"], post["kind"], post["delivery"], post["from_account"], post["sent_by"]) == (
        "out",
        "reply",
        "queued",
        "BSNLCorporate",
        "bsnl_officer",
    )


@pytest.mark.parametrize("text", ["", "x" * 2801, "nul\x00byte"])
def test_a_bad_reply_is_400(officer, text):
    ticket = ticket_of("BSNL")
    assert list(error_of(action(officer, ticket.number, "reply", {"text": text}), 400)["fields"]) == ["text"]


def test_note(officer):
    ticket = ticket_of("BSNL")
    response = action(officer, ticket.number, "note", {"text": "Called the citizen."})
    assert response.status_code == 201
    assert response.json() | {"id": 0, "created_at": ""} == {
        "id": 0,
        "text": "Called the citizen.",
        "author": "bsnl_officer",
        "created_at": "",
    }


def test_transfer_puts_the_ticket_in_new_in_the_target_department_and_tells_the_citizen(officer):
    ticket = ticket_of("BSNL", unit="BSNL_KL", status=Status.IN_PROGRESS)
    response = action(officer, ticket.number, "transfer", {"department": "POSTS", "reason": "A parcel."})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["department"], body["unit"], body["status"], body["assigned_to"]) == ("POSTS", None, "new", None)
    told = TicketMessage.objects.get(ticket=ticket, direction=Direction.OUT)
    assert "Department of Posts" in told.text
    # It left the officer's scope.
    assert action(officer, ticket.number, "note", {"text": "x"}).status_code == 404


def test_transfer_to_an_unknown_department_is_400(officer):
    ticket = ticket_of("BSNL")
    error = error_of(action(officer, ticket.number, "transfer", {"department": "NOPE", "reason": "x"}), 400)
    assert list(error["fields"]) == ["department"]


def test_merge(officer):
    original, duplicate = ticket_of("BSNL"), ticket_of("BSNL")
    response = action(officer, duplicate.number, "merge", {"into": original.number})
    assert response.json()["status"] == "rejected"
    duplicate.refresh_from_db()
    assert (duplicate.merged_into, duplicate.rejection_reason) == (original, f"duplicate of {original.number}")


def test_merge_into_an_unknown_ticket_is_400(officer):
    ticket = ticket_of("BSNL")
    assert list(error_of(action(officer, ticket.number, "merge", {"into": "NOPE"}), 400)["fields"]) == ["into"]


def test_an_odd_ticket_number_is_a_plain_404(officer):
    for number in ["nope", "BSNL-2611-000001\x00", "x" * 300]:
        assert error_of(action(officer, number, "claim"), 404)["code"] == "not_found"


def test_actions_accept_only_their_own_fields(officer):
    """No mass assignment: fields that are not the action's are ignored, never written."""
    ticket = ticket_of("BSNL")
    action(
        officer,
        ticket.number,
        "note",
        {"text": "x", "status": "closed", "department": "POSTS", "assigned_to": 1, "author": "admin"},
    )
    action(officer, ticket.number, "claim", {"assigned_to": "bsnl_supervisor", "status": "resolved"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.department.code, ticket.assigned_to.username) == ("assigned", "BSNL", "bsnl_officer")
    assert InternalNote.objects.get().author.username == "bsnl_officer"


def test_take_next(officer):
    ticket = ticket_of("BSNL")
    response = officer.post(reverse("ticket-take-next"))
    assert (response.status_code, response.json()["number"]) == (200, ticket.number)
    assert officer.post(reverse("ticket-take-next")).status_code == 204


def test_every_action_writes_exactly_one_event(officer, supervisor):
    ticket, other = ticket_of("BSNL"), ticket_of("BSNL")
    steps = [
        (officer, "claim", {}),
        (supervisor, "assign", {"user": "bsnl_supervisor"}),
        (officer, "transition", {"to": "in_progress"}),
        (officer, "reply", {"text": "On it."}),
        (officer, "note", {"text": "Checked."}),
        (officer, "transfer", {"department": "POSTS", "reason": "Wrong department."}),
    ]
    for client, name, body in steps:
        before = AuditEvent.objects.count()
        assert action(client, ticket.number, name, body).status_code in (200, 201)
        assert AuditEvent.objects.count() == before + 1, name
    before = AuditEvent.objects.count()
    action(officer, other.number, "merge", {"into": ticket_of("BSNL").number})
    assert AuditEvent.objects.count() == before + 2  # one on each of the two tickets


# --- escalations -------------------------------------------------------------------------------


def test_escalations_list_the_open_queue_by_default_and_filter(supervisor):
    first, second = ticket_of("BSNL", unit="BSNL_KL"), ticket_of("BSNL")
    l1 = Escalation.objects.create(ticket=first, level=1, notify_department=department("BSNL_KL"))
    l2 = Escalation.objects.create(ticket=second, level=2, notify_department=department("BSNL"))
    done = Escalation.objects.create(
        ticket=first,
        level=2,
        notify_department=department("BSNL"),
        acknowledged_by=User.objects.get(username="bsnl_supervisor"),
        acknowledged_at=timezone.now(),
    )
    Escalation.objects.create(ticket=ticket_of("POSTS"), level=2, notify_department=department("POSTS"))
    ids = lambda response: [row["id"] for row in response.json()["results"]]  # noqa: E731
    assert ids(supervisor.get(reverse("escalation-list"))) == [l2.pk, l1.pk]
    assert ids(supervisor.get(reverse("escalation-list"), {"level": 1})) == [l1.pk]
    assert ids(supervisor.get(reverse("escalation-list"), {"acknowledged": "true"})) == [done.pk]
    page = supervisor.get(reverse("escalation-list"), {"page_size": 1}).json()
    assert set(page) == {"next", "previous", "results"}
    assert ids(supervisor.get(page["next"])) == [l1.pk]
    row = supervisor.get(reverse("escalation-list"), {"level": 1}).json()["results"][0]
    assert (row["ticket"], row["department"], row["notify_department"], row["acknowledged_by"]) == (
        first.number,
        "BSNL",
        "BSNL_KL",
        None,
    )


def test_acknowledge_an_escalation(supervisor, officer):
    raised = Escalation.objects.create(ticket=ticket_of("BSNL"), level=2, notify_department=department("BSNL"))
    url = reverse("escalation-acknowledge", args=[raised.pk])
    assert error_of(officer.post(url), 403)["code"] == "permission_denied"
    response = supervisor.post(url)
    assert (response.status_code, response.json()["acknowledged_by"]) == (200, "bsnl_supervisor")
    assert error_of(supervisor.post(url), 409)["code"] == "already_acknowledged"


def test_a_bad_escalation_filter_is_400(supervisor):
    assert supervisor.get(reverse("escalation-list"), {"level": 7}).status_code == 400


# --- canned responses --------------------------------------------------------------------------


def test_canned_responses_are_listed_in_scope_and_written_by_supervisors(supervisor, officer):
    CannedResponse.objects.create(department=department("POSTS"), title="Parcel", text_en="We are tracing it.")
    seeded_for_bsnl = set(CannedResponse.objects.filter(department__code="BSNL").values_list("title", flat=True))
    response = supervisor.post(
        reverse("canned-response-create"),
        {"department": "BSNL", "title": "Line fault", "text_en": "A lineman will visit.", "text_hi": "लाइनमैन आएगा।"},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    listed = [row["title"] for row in officer.get(reverse("canned-response-list")).json()["results"]]
    assert listed[0] == "Line fault"  # newest first
    assert set(listed) == seeded_for_bsnl | {"Line fault"}
    url = reverse("canned-response-update", args=[created["id"]])
    assert error_of(officer.post(url, {"title": "Mine"}, format="json"), 403)["code"] == "permission_denied"
    response = supervisor.post(url, {"is_active": False, "department": "POSTS"}, format="json")
    assert response.json() == {**created, "is_active": False}


def test_a_duplicate_canned_title_is_400(supervisor):
    body = {"department": "BSNL", "title": "Line fault", "text_en": "A lineman will visit."}
    assert supervisor.post(reverse("canned-response-create"), body, format="json").status_code == 201
    error = error_of(supervisor.post(reverse("canned-response-create"), body, format="json"), 400)
    assert list(error["fields"]) == ["title"]


def test_officers_do_not_write_canned_responses(officer):
    body = {"department": "BSNL", "title": "Line fault", "text_en": "A lineman will visit."}
    error_of(officer.post(reverse("canned-response-create"), body, format="json"), 403)
    assert not CannedResponse.objects.filter(title="Line fault").exists()


# --- feedback and the dashboard ----------------------------------------------------------------


def test_feedback_of_a_ticket_and_the_summary_per_department(supervisor, client_for):
    resolved = [ticket_of("BSNL", status=Status.RESOLVED) for _ in range(3)]
    for ticket, rating in zip(resolved, [5, 4, 5], strict=True):
        Feedback.objects.create(ticket=ticket, rating=rating)
    Feedback.objects.create(ticket=ticket_of("POSTS", status=Status.RESOLVED), rating=1)

    rows = supervisor.get(reverse("ticket-feedback", args=[resolved[0].number])).json()["results"]
    assert [row["rating"] for row in rows] == [5]
    assert supervisor.get(reverse("feedback-summary")).json() == {
        "results": [
            {
                "department": "BSNL",
                "count": 3,
                "average": 4.67,
                "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 2},
            }
        ]
    }
    auditor = client_for(User.objects.get(username="auditor"))
    summary = auditor.get(reverse("feedback-summary"), {"department": "POSTS"}).json()["results"]
    assert [(row["department"], row["count"], row["average"]) for row in summary] == [("POSTS", 1, 1.0)]


def test_dashboard_counts_what_the_user_can_see(supervisor, officer):
    now = timezone.now()
    ticket_of("BSNL")
    ticket_of("BSNL", unit="BSNL_KL", status=Status.IN_PROGRESS, resolution_due_at=now - timezone.timedelta(hours=2))
    ticket_of("BSNL", status=Status.RESOLVED, resolution_due_at=now + timezone.timedelta(hours=1))
    ticket_of("POSTS")
    body = supervisor.get(reverse("dashboard-summary")).json()
    assert body["period"]["kind"] == "today"
    totals = body["totals"]
    assert (totals["received"], totals["resolved"], totals["open"], totals["breached"]) == (3, 1, 2, 1)
    assert [row["code"] for row in body["by_department"]] == ["BSNL"]
    [kerala] = [row for row in body["by_unit"] if row["code"] == "BSNL_KL"]
    assert (kerala["received"], kerala["open"], kerala["breached"]) == (1, 1, 1)
    assert [row["code"] for row in body["by_state"]] == ["kl"]
    assert len(body["volume_by_hour"]) == 7 * 24
    assert sum(hour["received"] for hour in body["volume_by_hour"]) == 3
    assert body["categories_today"] == [{"category": "other", "received": 3}]
    assert officer.get(reverse("dashboard-summary")).status_code == 403


def test_dashboard_summary_takes_a_period_and_refuses_a_bad_one(supervisor):
    ticket_of("BSNL", created_at=timezone.now() - timezone.timedelta(days=40))
    month = supervisor.get(
        reverse("dashboard-summary"), {"period": "range", "start": "2026-01-01", "end": "2026-12-31"}
    )
    assert month.status_code == 200
    for params in (
        {"period": "year"},
        {"period": "range", "start": "2026-12-02", "end": "2026-12-01"},
        {"period": "range"},
    ):
        response = supervisor.get(reverse("dashboard-summary"), params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"]


def test_dashboard_summary_has_the_posting_budget_per_account(supervisor):
    account = OfficialAccount.objects.get(handle="BSNLCorporate")
    posting_budget_record(
        account_id=account.pk, limit=100, remaining=60, reset_at=timezone.now() + timezone.timedelta(minutes=9)
    )
    try:
        budget = supervisor.get(reverse("dashboard-summary")).json()["posting_budget"]
    finally:
        posting_budget_forget(account_ids=[account.pk])

    [bsnl] = [row for row in budget["accounts"] if row["handle"] == "BSNLCorporate"]
    assert (bsnl["department"], bsnl["limit"], bsnl["used"], bsnl["left"]) == ("BSNL", 100, 40, 60)
    assert bsnl["resets_at"] is not None
    assert budget["app"] == {"limit": None, "used": None, "left": None, "resets_at": None, "observed_at": None}


def test_dashboard_queries_do_not_grow_with_tickets(supervisor):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert supervisor.get(reverse("dashboard-summary")).status_code == 200
        return len(captured)

    ticket_of("BSNL")
    few = queries()
    for _ in range(20):
        ticket_of("BSNL", unit="BSNL_MH")
    assert queries() == few


# --- query counts of the list and the detail, after actions ---------------------------------


def _work(ticket, officer_user):
    ticket_reply(actor=officer_user, number=ticket.number, text="We are on it. " * 30)
    ticket_note(actor=officer_user, number=ticket.number, text="Checked the exchange.")


def test_ticket_list_queries_do_not_grow(officer, django_assert_max_num_queries):
    worker = User.objects.get(username="bsnl_officer")
    for _ in range(3):
        _work(ticket_of("BSNL", unit="BSNL_KL", assigned_to=worker, status=Status.ASSIGNED), worker)
    with django_assert_max_num_queries(3):
        assert len(officer.get(reverse("ticket-list")).json()["results"]) == 3
    for _ in range(30):
        _work(ticket_of("BSNL", unit="BSNL_MH", assigned_to=worker, status=Status.ASSIGNED), worker)
    with django_assert_max_num_queries(3):
        assert len(officer.get(reverse("ticket-list")).json()["results"]) == 33


def test_ticket_detail_queries_do_not_grow(officer, django_assert_max_num_queries):
    worker = User.objects.get(username="bsnl_officer")
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    _work(ticket, worker)
    with django_assert_max_num_queries(5):
        officer.get(reverse("ticket-detail", args=[ticket.number]))
    for _ in range(10):
        _work(ticket, worker)
    with django_assert_max_num_queries(5):
        body = officer.get(reverse("ticket-detail", args=[ticket.number])).json()
    assert len(body["events"]) == 22
    assert len(body["messages"]) > 11


# --- the token exchange ------------------------------------------------------------------------


@pytest.fixture
def token_throttle(settings):
    """The throttle counts per client address in the shared cache: start each test from zero."""

    def use(rate: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth_token": rate},
        }
        cache.delete("throttle_auth_token_127.0.0.1")

    use("1000/minute")
    yield use
    cache.delete("throttle_auth_token_127.0.0.1")


def test_a_token_for_a_username_and_password(seeded, api_client, token_throttle):
    response = api_client.post(
        reverse("auth-token"), {"username": "bsnl_officer", "password": "demo-pass-123"}, format="json"
    )
    assert response.status_code == 200, response.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get(reverse("ticket-list")).status_code == 200
    login = AuditEvent.objects.get(kind=EventKind.LOGIN)
    assert (login.actor.username, login.data["path"]) == ("bsnl_officer", reverse("auth-token"))


@pytest.mark.parametrize(
    "body",
    [
        {"username": "bsnl_officer", "password": "wrong"},
        {"username": "nobody", "password": "demo-pass-123"},
        {"username": "bsnl_officer"},
        {},
    ],
)
def test_bad_credentials_are_400_with_the_error_shape(seeded, api_client, token_throttle, body):
    error = error_of(api_client.post(reverse("auth-token"), body, format="json"), 400)
    assert "token" not in str(error)


def test_a_wrong_password_is_a_failed_login_event(seeded, api_client, token_throttle):
    api_client.post(reverse("auth-token"), {"username": "bsnl_officer", "password": "wrong"}, format="json")
    failed = AuditEvent.objects.get(kind=EventKind.LOGIN_FAILED)
    assert (failed.data["username"], failed.data["ip"]) == ("bsnl_officer", "127.0.0.1")


def test_an_inactive_user_gets_no_token(seeded, api_client, token_throttle):
    User.objects.filter(username="bsnl_officer").update(is_active=False)
    body = {"username": "bsnl_officer", "password": "demo-pass-123"}
    assert error_of(api_client.post(reverse("auth-token"), body, format="json"), 400)["code"] == "invalid_credentials"


def test_the_token_exchange_is_throttled(seeded, api_client, token_throttle):
    token_throttle("3/minute")
    body = {"username": "bsnl_officer", "password": "wrong"}
    statuses = [api_client.post(reverse("auth-token"), body, format="json").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert error_of(api_client.post(reverse("auth-token"), body, format="json"), 429)["code"] == "throttled"


def test_a_supervisor_of_a_unit_works_only_the_unit(seeded, client_for):
    kerala_supervisor = client_for(staff("BSNL_KL", Role.SUPERVISOR))
    mine, not_mine = ticket_of("BSNL", unit="BSNL_KL"), ticket_of("BSNL")
    assert action(kerala_supervisor, mine.number, "assign", {"user": staff("BSNL_KL").username}).status_code == 200
    assert action(kerala_supervisor, not_mine.number, "claim").status_code == 404


# --- odd input is a 4xx, never a 500 (what fuzzing found) ----------------------------------------


@pytest.mark.parametrize(
    ("route", "params"),
    [
        ("ticket-list", {"assigned_to": "²"}),  # a Unicode digit int() refuses
        ("ticket-list", {"tweet": "99999999999999999999"}),  # past bigint
        ("ticket-list", {"department": "nul\x00"}),
        ("escalation-list", {"level": "1.5"}),
        ("feedback-summary", {"department": "nul\x00"}),
    ],
)
def test_odd_query_input_is_400(officer, route, params):
    assert officer.get(reverse(route), params).status_code == 400


@pytest.mark.parametrize("raw", [b'{"text": "\\ud800"}', b'{"text": "a\\u0000b"}', b"[]", b'{"text": ', b"\xff"])
def test_odd_json_is_400(officer, raw):
    ticket = ticket_of("BSNL")
    response = officer.generic("POST", reverse("ticket-note", args=[ticket.number]), raw, "application/json")
    assert response.status_code == 400


def test_the_breached_filter_and_the_dashboard_agree(supervisor):
    now = timezone.now()
    late = ticket_of("BSNL", status=Status.IN_PROGRESS, resolution_due_at=now - timezone.timedelta(hours=1))
    # Paused before its target passed, and rejected ones never breach by staying unresolved.
    ticket_of(
        "BSNL",
        status=Status.AWAITING_CITIZEN,
        resolution_due_at=now - timezone.timedelta(hours=1),
        sla_paused_at=now - timezone.timedelta(hours=2),
    )
    ticket_of("BSNL", status=Status.REJECTED, resolution_due_at=now - timezone.timedelta(hours=1))
    listed = supervisor.get(reverse("ticket-list"), {"breached": "true"}).json()["results"]
    assert [row["number"] for row in listed] == [late.number]
    assert supervisor.get(reverse("dashboard-summary")).json()["totals"]["breached"] == 1


def test_a_canned_response_is_sent_with_its_placeholders_filled(db, ingest_lines, client_for):
    from accounts.models import User
    from departments.models import CannedResponse, Department
    from tests.ingestion.factories import BSNL as BSNL_ACCOUNT
    from tests.ingestion.factories import tweet_id_of, v2_tweet
    from tickets.models import TicketMessage

    page = v2_tweet("@BSNLCorporate मेरा इंटरनेट बंद है #BSNLSeva", mentions=[BSNL_ACCOUNT], lang="hi")
    ingest_lines(page)
    ticket = TicketMessage.objects.get(tweet_id=int(tweet_id_of(page))).ticket
    canned = CannedResponse.objects.create(
        department=Department.objects.get(code="MOC"),
        title="Lineman visit",
        text_en="{citizen} A lineman will visit for {number}.",
        text_hi="{citizen} {number} के लिए लाइनमैन आएंगे।",
    )
    client = client_for(User.objects.get(username="bsnl_officer"))
    url = f"/api/v1/tickets/{ticket.number}/reply/"
    hindi = client.post(url, {"canned_response": canned.pk}, format="json")
    assert hindi.status_code == 201, hindi.content
    assert hindi.json()[0]["text"] == f"@citizen_one {ticket.number} के लिए लाइनमैन आएंगे।"
    english = client.post(url, {"canned_response": canned.pk, "language": "en"}, format="json")
    assert english.json()[0]["text"] == f"@citizen_one A lineman will visit for {ticket.number}."
    both = client.post(url, {"canned_response": canned.pk, "text": "hello"}, format="json")
    assert both.status_code == 400
    other = CannedResponse.objects.create(department=Department.objects.get(code="POSTS"), title="x", text_en="x")
    assert client.post(url, {"canned_response": other.pk}, format="json").status_code == 400
