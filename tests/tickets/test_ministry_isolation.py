"""Two ministries side by side (the seed's Communications and Railways): staff of one see nothing
of the other's, through every door: each API route (404 on the other's objects, 403 or nothing of
theirs on collections), each workspace page and each admin page (changelist and change view of
every registered model). Only a superuser sees across; a ticket crosses ministries only by the
hand of an admin of both. Each check asserts the database unchanged."""

import dataclasses
from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from departments.models import (
    BusinessCalendar,
    CannedResponse,
    Department,
    Hashtag,
    Membership,
    OfficialAccount,
    Role,
    RoutingRule,
    SlaPolicy,
)
from ingestion.credentials.services import account_credential_import
from ingestion.models import AccountCredential, DeadLetter
from tests.factories import member
from tests.factories.tickets import department, staff, ticket_of
from tests.tickets.test_api_permissions import (  # noqa: F401 - `world` is a fixture
    COLLECTION_ROUTES,
    TICKET_ROUTES,
    Route,
    World,
    call,
    snapshot,
    world,
)
from tickets.exports.services import export_request
from tickets.lifecycle import Status
from tickets.models import Category, Escalation, Feedback, Incident, SavedFilter, Ticket, TriageRule
from tickets.reports.figures import accountability_report
from tickets.services.errors import ActionForbidden, TicketActionError
from tickets.services.transfer_merge import ticket_transfer

pytestmark = pytest.mark.django_db

ROLES = [Role.OFFICER, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN, Role.AUDITOR]
# What of Railways' a page or answer must never show Communications' staff (and the other way round).
RAILWAY_MARKS = (
    "Northern Railway",
    "NR_DLI",
    "CR_BB",
    "'NR'",
    "RailwayNorthern",
    "Central_Railway",
    "rail_officer",
    "rail_admin",
    "उत्तर रेलवे",
    "RAIL-",
    "NR-9901",
)
TELECOM_MARKS = ("BSNL",)


def shows(body, marks) -> bool:
    text = str(body)
    return any(mark in text for mark in marks)


def _collection_expected(route: Route, role: str) -> set[int]:
    if route.name in ("canned-response-create", "incident-open"):  # naming the other ministry's department
        return {403, 404, 400}
    if route.name == "ticket-take-next":
        return {403} if role == Role.AUDITOR else {204}
    if route.name == "dashboard-summary":  # for supervisors, department admins and auditors
        return {403} if role == Role.OFFICER else {200}
    return {200}


def _problems(client, objects: World, routes_by_kind, role: str, marks) -> list:
    ticket_routes, collection_routes = routes_by_kind
    problems = []
    for route in ticket_routes:
        response = call(client, route, objects)
        if response.status_code != 404 or response.json()["error"]["code"] != "not_found":
            problems.append((route.name, response.status_code))
    for route in collection_routes:
        response = call(client, route, objects)
        if response.status_code not in _collection_expected(route, role):
            problems.append((route.name, response.status_code))
        elif response.status_code == 200 and shows(response.json(), marks):
            problems.append((route.name, "shows the other ministry's data"))
    return problems


# --- The API: Railways' staff and Communications' objects ----------------------------------------


@pytest.mark.parametrize("code", ["RAIL", "NR"])
@pytest.mark.parametrize("role", ROLES)
def test_railways_staff_see_nothing_of_communications_through_the_api(world, client_for, code, role):  # noqa: F811
    client = client_for(staff(code, role))
    before = snapshot()
    assert _problems(client, world, (TICKET_ROUTES, COLLECTION_ROUTES), role, TELECOM_MARKS) == []
    assert snapshot() == before


# --- The API: Communications' staff and Railways' objects ----------------------------------------

# The same tables, naming Railways' departments and officer instead of BSNL's and POSTS'.
_RAILWAY_NAMES = {"BSNL": "NR", "POSTS": "CR", "bsnl_officer": "rail_officer"}


def _for_railways(route: Route) -> Route:
    def renamed(value):
        return _RAILWAY_NAMES.get(value, value) if isinstance(value, str) else value

    return dataclasses.replace(route, body={key: renamed(value) for key, value in route.body.items()})


RAIL_TICKET_ROUTES = [_for_railways(route) for route in TICKET_ROUTES]
RAIL_COLLECTION_ROUTES = [_for_railways(route) for route in COLLECTION_ROUTES]


@pytest.fixture
def rail_world(seeded, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    ticket = ticket_of("NR", unit="NR_DLI")
    Feedback.objects.create(ticket=ticket_of("NR", status=Status.RESOLVED), rating=2)
    return World(
        ticket=ticket,
        other=ticket_of("NR"),
        escalation=Escalation.objects.create(ticket=ticket, level=2, notify_department=department("NR")),
        canned=CannedResponse.objects.create(department=department("NR"), title="Coach", text_en="On it."),
        incident=Incident.objects.create(
            title="Delhi signal failure", department=department("NR"), unit=department("NR_DLI")
        ),
        incident2=Incident.objects.create(title="Delhi again", department=department("NR"), unit=department("NR_DLI")),
        export=export_request(
            user=staff("NR", Role.AUDITOR),
            department_code="NR",
            start=date(2026, 11, 1),
            end=date(2026, 11, 30),
            fmt="csv",
        ),
    )


@pytest.mark.parametrize("code", ["MOC", "BSNL"])
@pytest.mark.parametrize("role", ROLES)
def test_communications_staff_see_nothing_of_railways_through_the_api(rail_world, client_for, code, role):
    client = client_for(staff(code, role))
    before = snapshot()
    routes = (RAIL_TICKET_ROUTES, RAIL_COLLECTION_ROUTES)
    assert _problems(client, rail_world, routes, role, RAILWAY_MARKS) == []
    assert snapshot() == before


@pytest.fixture
def rail_letter(seeded) -> DeadLetter:
    return DeadLetter.objects.create(
        door="file",
        reason="not a tweet",
        raw='{"data": [{"text": "@RailMinIndia help"}]}',
        department=department("RAIL"),
    )


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.DEPARTMENT_ADMIN])
def test_another_ministrys_dead_letters_do_not_exist_for_a_ministrys_admins(rail_letter, client_for, role):
    client = client_for(staff("MOC", role))
    assert client.get(reverse("dead-letter-list")).json()["results"] == []
    assert client.get(reverse("dead-letter-detail", args=[rail_letter.pk])).status_code == 404
    assert client.post(reverse("dead-letter-replay", args=[rail_letter.pk])).status_code == 404
    rail_letter.refresh_from_db()
    assert rail_letter.replayed_at is None
    # Railways' own admin has it.
    assert client_for(User.objects.get(username="rail_admin")).get(reverse("dead-letter-list")).json()["results"]


def test_the_department_tree_of_a_ministrys_admin_is_their_ministrys(seeded, client_for):
    def codes(user) -> set[str]:
        response = client_for(user).get(reverse("department-list"), {"page_size": 500})
        return {row["code"] for row in response.json()["results"]}

    telecom = codes(staff("MOC", Role.DEPARTMENT_ADMIN))
    rail = codes(User.objects.get(username="rail_admin"))
    assert "BSNL" in telecom
    assert {"RAIL", "NR", "CR_PUNE"} <= rail
    assert not telecom & rail


def test_a_superuser_sees_across_ministries(world, rail_world, client_for):  # noqa: F811
    client = client_for(User.objects.get(username="admin"))
    for one in (world, rail_world):
        assert client.get(reverse("ticket-detail", args=[one.ticket.number])).status_code == 200


# --- The workspace ---------------------------------------------------------------------------------


def _workspace_object_pages(objects: World, filter_id: int) -> list[tuple[str, str, list, dict]]:
    number, escalation, incident = objects.ticket.number, objects.escalation.pk, objects.incident.pk
    return [
        ("get", "workspace:ticket", [number], {}),
        ("get", "workspace:canned-response-insert", [number], {"canned_response": objects.canned.pk}),
        ("post", "workspace:ticket-action", [number, "claim"], {}),
        ("post", "workspace:ticket-action", [number, "note"], {"text": "Seen"}),
        ("post", "workspace:ticket-action", [number, "transfer"], {"department": "MOC", "reason": "Ours"}),
        ("get", "workspace:incident", [incident], {}),
        ("post", "workspace:incident-action", [incident, "resolve"], {"note": "Done"}),
        ("post", "workspace:escalation-acknowledge", [escalation], {}),
        ("post", "workspace:escalation-assign", [escalation], {"user": "rail_officer"}),
        ("post", "workspace:escalation-note", [escalation], {"text": "Seen"}),
        ("get", "workspace:report-export-file", [objects.export.pk], {}),
        ("post", "workspace:saved-filter-delete", [filter_id], {}),
        ("get", "workspace:reports", [], {"department": "NR", "start": "2026-11-01", "end": "2026-11-30"}),
    ]


WORKSPACE_LISTS = [
    ("workspace:queue", {}),
    ("workspace:queue", {"q": "Landline"}),
    ("workspace:escalations", {}),
    ("workspace:dashboard", {}),
    ("workspace:dashboard-live", {}),
    ("workspace:reports", {}),
    ("workspace:report-exports", {}),
    ("workspace:incidents", {}),
    ("workspace:settings", {}),
]


@pytest.mark.parametrize("role", ROLES)
def test_communications_staff_see_nothing_of_railways_in_the_workspace(rail_world, client, role):
    rail_filter = SavedFilter.objects.create(user=User.objects.get(username="rail_officer"), name="Mine", query="")
    client.force_login(staff("MOC", role))
    before = (snapshot(), SavedFilter.objects.count())
    problems = []
    for method, name, args, data in _workspace_object_pages(rail_world, rail_filter.pk):
        response = getattr(client, method)(reverse(name, args=args), data)
        # The report's form refuses a department it does not offer (400); every other door: 403 or 404.
        refusals = (400, 403, 404) if name == "workspace:reports" else (403, 404)
        if response.status_code not in refusals:
            problems.append((name, args[1:] if len(args) > 1 else "", response.status_code))
    for name, query in WORKSPACE_LISTS:
        response = client.get(reverse(name), query)
        if response.status_code == 200 and shows(response.content.decode(), RAILWAY_MARKS):
            problems.append((name, query, "shows Railways' data"))
        elif response.status_code not in (200, 302, 403):
            problems.append((name, query, response.status_code))
    # Bulk doors name tickets by number: another ministry's are not found, nothing changes.
    client.post(reverse("workspace:queue-bulk"), {"ticket": [rail_world.ticket.number], "action": "claim"})
    client.post(
        reverse("workspace:incident-bulk"), {"incident": rail_world.incident.pk, "tickets": [rail_world.ticket.number]}
    )
    assert problems == []
    assert (snapshot(), SavedFilter.objects.count()) == before


def test_the_transfer_form_offers_only_the_tickets_ministrys_departments(seeded, client):
    ticket = ticket_of("BSNL")
    client.force_login(User.objects.get(username="bsnl_supervisor"))
    form = client.get(reverse("workspace:ticket", args=[ticket.number])).context["forms"]["transfer"]
    offered = {code for code, _label in form.fields["department"].choices if code}
    assert {"POSTS", "MOC"} <= offered
    assert not offered & {"RAIL", "NR", "CR", "RSEVA"}


# --- The admin -------------------------------------------------------------------------------------


def _railway_objects() -> dict:
    """One object of Railways' for each model the admin registers (None: a model no ministry owns,
    kept for superusers alone)."""
    rail_officer = User.objects.get(username="rail_officer")
    return {
        Department: department("NR"),
        Membership: Membership.objects.filter(user=rail_officer).first(),
        OfficialAccount: OfficialAccount.objects.get(handle="Central_Railway"),
        Hashtag: Hashtag.objects.get(tag="RailSeva"),
        RoutingRule: RoutingRule.objects.filter(department__code="NR_DLI").first(),
        User: rail_officer,
        BusinessCalendar: BusinessCalendar.objects.get(department__code="RAIL"),
        SlaPolicy: SlaPolicy.objects.filter(department__code="RAIL").first(),
        TriageRule: TriageRule.objects.filter(department__code="NR").first(),
        Category: Category.objects.get(code="train_delay"),
        DeadLetter: DeadLetter.objects.create(
            door="file", reason="not a tweet", raw="{}", department=department("CR")
        ),
        AccountCredential: account_credential_import(
            account_id=OfficialAccount.objects.get(handle="Central_Railway").pk, access_token="rail-token"
        ),
    }


def test_the_admin_shows_a_ministrys_admin_nothing_of_another_ministry(seeded, client):
    objects = _railway_objects()
    client.force_login(staff("MOC", Role.DEPARTMENT_ADMIN))
    problems = []
    for model in admin.site._registry:
        meta = model._meta
        changelist = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        obj = objects.get(model)
        if obj is None:
            assert meta.label_lower in MINISTRY_LESS, meta.label_lower
            # Nobody's ministry: superusers' alone (raw payloads, tokens).
            if changelist.status_code not in (302, 403):
                problems.append((meta.label, "changelist", changelist.status_code))
            continue
        if changelist.status_code == 200 and obj.pk in {row.pk for row in changelist.context["cl"].result_list}:
            problems.append((meta.label, "changelist lists it"))
        elif changelist.status_code not in (200, 403):
            problems.append((meta.label, "changelist", changelist.status_code))
        change = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
        # The admin answers an object outside the queryset with a redirect to its index.
        if not (
            change.status_code in (403, 404) or (change.status_code == 302 and change.url == reverse("admin:index"))
        ):
            problems.append((meta.label, "change view", change.status_code))
    assert problems == []


# Models no ministry owns: raw payloads, cursors and API tokens, for superusers alone.
MINISTRY_LESS = {
    "ingestion.inboxtweet",
    "ingestion.pollcursor",
    "ingestion.streamrulerefusal",  # the X plan's refusals: the installation's, not a ministry's
    "knox.authtoken",
    "auth.group",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "otp_totp.totpdevice",
}


def test_every_model_the_admin_registers_is_either_a_ministrys_or_for_superusers(seeded):
    # A newly registered model must say which it is: here, or in MINISTRY_LESS.
    registered = {model._meta.label_lower for model in admin.site._registry}
    owned = {model._meta.label_lower for model in _railway_objects()}
    assert registered == owned | MINISTRY_LESS


# --- Transfers across ministries -------------------------------------------------------------------


def test_a_bsnl_admin_may_not_transfer_a_ticket_to_railways(seeded):
    ticket = ticket_of("BSNL")
    bsnl_admin = staff("BSNL", Role.DEPARTMENT_ADMIN)
    with pytest.raises(TicketActionError) as refused:
        ticket_transfer(actor=bsnl_admin, number=ticket.number, department_code="NR", reason="Theirs")
    assert refused.value.http_status == 400
    ticket.refresh_from_db()
    assert ticket.department.code == "BSNL"


def test_staff_of_both_ministries_who_administer_only_one_are_refused_with_403(seeded, client_for):
    ticket = ticket_of("BSNL")
    actor = staff("MOC", Role.DEPARTMENT_ADMIN)
    Membership.objects.create(user=actor, department=department("NR"), role=Role.OFFICER)

    with pytest.raises(ActionForbidden):
        ticket_transfer(actor=actor, number=ticket.number, department_code="NR", reason="Theirs")
    response = client_for(actor).post(
        reverse("ticket-transfer", args=[ticket.number]), {"department": "NR", "reason": "Theirs"}, format="json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "cross_ministry_transfer")
    ticket.refresh_from_db()
    assert ticket.department.code == "BSNL"


def test_an_admin_of_both_ministries_transfers_a_ticket_to_railways(seeded, client, client_for):
    ticket = ticket_of("BSNL")
    actor = staff("MOC", Role.DEPARTMENT_ADMIN)
    Membership.objects.create(user=actor, department=department("RAIL"), role=Role.DEPARTMENT_ADMIN)
    client.force_login(actor)
    form = client.get(reverse("workspace:ticket", args=[ticket.number])).context["forms"]["transfer"]
    assert "NR" in {code for code, _label in form.fields["department"].choices}

    response = client_for(actor).post(
        reverse("ticket-transfer", args=[ticket.number]),
        {"department": "NR", "reason": "A railway line"},
        format="json",
    )

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.department.code, ticket.status) == ("NR", Status.NEW)
    # Railways' officer now sees it; Communications' no longer does.
    assert Ticket.objects.visible_to(User.objects.get(username="rail_officer")).filter(pk=ticket.pk).exists()
    assert not Ticket.objects.visible_to(User.objects.get(username="bsnl_officer")).filter(pk=ticket.pk).exists()


# --- Reports ---------------------------------------------------------------------------------------


def test_the_report_names_the_readers_own_ministry(seeded):
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    rail = accountability_report(
        user=User.objects.get(username="rail_admin"), department_code=None, start=start, end=end
    )
    telecom = accountability_report(
        user=User.objects.get(username="auditor"), department_code=None, start=start, end=end
    )
    bsnl = accountability_report(user=staff("BSNL", Role.AUDITOR), department_code="BSNL", start=start, end=end)

    assert (rail.organisation_en, rail.organisation_hi) == ("Ministry of Railways", "रेल मंत्रालय")
    assert telecom.organisation_en == bsnl.organisation_en == "Ministry of Communications"
    assert {row.code for row in rail.rows} - {None} <= {
        d.code
        for d in Department.objects.filter(
            code__in=["RAIL", "RSEVA", "NR", "CR", "NR_DLI", "NR_LKO", "CR_BB", "CR_PUNE"]
        )
    }


def test_a_member_of_no_ministry_sees_no_tickets(seeded):
    ticket_of("NR")
    ticket_of("BSNL")
    assert not Ticket.objects.visible_to(
        member(department=Department.objects.create(code="MEA", name_en="MEA"))
    ).exists()


def test_an_export_of_everything_by_someone_of_both_ministries_is_neither_ministry_admins(seeded, settings, tmp_path):
    from tickets.exports.selectors import export_visible

    settings.MEDIA_ROOT = tmp_path / "media"
    both = staff("BSNL", Role.AUDITOR)
    Membership.objects.create(user=both, department=department("NR"), role=Role.AUDITOR)
    job = export_request(user=both, department_code=None, start=date(2026, 11, 1), end=date(2026, 11, 30), fmt="csv")
    only_bsnl = staff("POSTS", Role.AUDITOR)
    own = export_request(
        user=only_bsnl, department_code=None, start=date(2026, 11, 1), end=date(2026, 11, 30), fmt="csv"
    )

    moc_admin, rail_admin = staff("MOC", Role.DEPARTMENT_ADMIN), User.objects.get(username="rail_admin")
    assert set(export_visible(user=moc_admin).filter(pk__in=[job.pk, own.pk])) == {own}
    assert not export_visible(user=rail_admin).filter(pk__in=[job.pk, own.pk]).exists()
    assert export_visible(user=User.objects.get(username="admin")).filter(pk__in=[job.pk, own.pk]).count() == 2
