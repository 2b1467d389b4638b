"""Categories per ministry: a category is one ministry's or shared by all (no ministry). A ticket,
a triage rule or an incident is offered and accepts only the shared ones and its own ministry's,
through every door (the workspace, the API, the services, the admin); the admin shows a ministry's
admins the shared ones and their own, and lets only superusers edit the shared ones."""

import pytest
from django.urls import reverse

from accounts.models import User
from departments.models import Department, Membership, Role
from tests.factories.tickets import department, staff, ticket_of
from tests.tickets.test_workspace import HTMX, action_url, html, signed_in, ticket_url
from tickets.models import AuditEvent, Category, EventKind, Incident, TriageRule
from tickets.services import TicketActionError, ticket_triage_change
from tickets.services.incidents import incident_open
from tickets.services.transfer_merge import ticket_transfer

pytestmark = pytest.mark.django_db

SHARED = "money_deducted"  # the seed's: shared by every ministry
TELECOM = "no_signal"  # the Ministry of Communications'
RAILWAY = "train_delay"  # the Ministry of Railways'


@pytest.fixture(autouse=True)
def _no_two_factor(settings):
    settings.SEVA_2FA_REQUIRED_ROLES = ()  # two-factor sign-in is tested at its own door


def test_the_seed_gives_each_ministry_its_own_categories_and_shares_the_common_ones(seeded):
    ministry = dict(Category.objects.values_list("code", "ministry__code"))
    assert (ministry[SHARED], ministry["harassment_fraud"], ministry["praise_info"]) == (None, None, None)
    assert ministry[TELECOM] == ministry["parcel_lost"] == "MOC"
    assert ministry[RAILWAY] == ministry["refund"] == "RAIL"
    # Each seeded rule's category is its own ministry's or a shared one.
    for rule in TriageRule.objects.select_related("department", "category"):
        root = "RAIL" if rule.department.code in {"RAIL", "NR", "CR"} else "MOC"
        assert ministry[rule.category_id] in (None, root), rule


# --- The workspace's triage form -------------------------------------------------------------------


def offered(client, ticket) -> set[str]:
    form = client.get(ticket_url(ticket)).context["forms"]["triage"]
    return {code for code, _label in form.fields["category"].choices}


def test_the_triage_form_offers_a_ticket_its_ministrys_categories_and_the_shared_ones(seeded, client):
    telecom = offered(signed_in(client, "bsnl_officer"), ticket_of("BSNL"))
    railway = offered(signed_in(client, "rail_officer"), ticket_of("NR"))

    assert {SHARED, TELECOM, "other"} <= telecom
    assert {SHARED, RAILWAY, "other"} <= railway
    assert RAILWAY not in telecom
    assert TELECOM not in railway


def test_the_triage_form_refuses_another_ministrys_category(seeded, client):
    ticket = ticket_of("BSNL")
    response = signed_in(client, "bsnl_officer").post(
        action_url(ticket, "triage"), {"priority": "p2", "category": RAILWAY, "reason": "Late train"}, **HTMX
    )
    assert response.status_code == 400
    assert "Choose a category from the list: a shared one or this ministry&#x27;s." in html(response)
    ticket.refresh_from_db()
    assert ticket.category_id is None


# --- The service and the API -----------------------------------------------------------------------


def test_the_service_refuses_another_ministrys_category_for_a_ticket(seeded):
    ticket = ticket_of("BSNL")
    officer = User.objects.get(username="bsnl_officer")
    with pytest.raises(TicketActionError) as refused:
        ticket_triage_change(actor=officer, ticket=ticket.number, priority="p2", category=RAILWAY, reason="Late")
    assert (refused.value.code, set(refused.value.fields)) == ("unknown_category", {"category"})
    ticket.refresh_from_db()
    assert ticket.category_id is None
    assert not AuditEvent.objects.filter(ticket=ticket, kind=EventKind.TRIAGE_CHANGED).exists()


@pytest.mark.parametrize(("code", "category"), [("BSNL", SHARED), ("BSNL", TELECOM), ("NR", SHARED), ("NR", RAILWAY)])
def test_a_ticket_takes_a_shared_category_or_one_of_its_ministry(seeded, code, category):
    ticket = ticket_of(code)
    actor = User.objects.get(username="admin")
    changed = ticket_triage_change(actor=actor, ticket=ticket.number, priority="p2", category=category, reason="x")
    assert changed.category_id == category


def test_the_api_refuses_another_ministrys_category_with_a_400_that_says_why(seeded, client_for):
    ticket = ticket_of("BSNL")
    response = client_for(User.objects.get(username="bsnl_officer")).post(
        reverse("ticket-priority", args=[ticket.number]),
        {"priority": "p2", "category": RAILWAY, "reason": "Late train"},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_category"
    assert error["fields"]["category"] == ["No such category in this ministry: choose a shared one or one of its own."]
    ticket.refresh_from_db()
    assert ticket.category_id is None


def test_an_incident_takes_only_a_shared_category_or_one_of_its_ministry(seeded, client_for):
    supervisor = User.objects.get(username="bsnl_supervisor")
    with pytest.raises(TicketActionError) as refused:
        incident_open(actor=supervisor, department=department("BSNL"), unit=None, title="Late", category=RAILWAY)
    assert set(refused.value.fields) == {"category"}

    body = {"title": "Kochi down", "department": "BSNL", "category": RAILWAY}
    response = client_for(supervisor).post(reverse("incident-open"), body, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "unknown_category")
    assert not Incident.objects.exists()

    response = client_for(supervisor).post(reverse("incident-open"), {**body, "category": TELECOM}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["category"] == TELECOM


# --- Transfers across ministries -------------------------------------------------------------------


@pytest.mark.parametrize(("category", "kept"), [(TELECOM, None), (SHARED, SHARED)])
def test_a_ticket_moved_to_another_ministry_leaves_its_old_ministrys_category_behind(seeded, category, kept):
    ticket = ticket_of("BSNL", category_id=category)
    actor = staff("MOC", Role.DEPARTMENT_ADMIN)
    Membership.objects.create(user=actor, department=department("RAIL"), role=Role.DEPARTMENT_ADMIN)

    ticket_transfer(actor=actor, number=ticket.number, department_code="NR", reason="A railway line")

    ticket.refresh_from_db()
    assert (ticket.department.code, ticket.category_id) == ("NR", kept)
    changes = AuditEvent.objects.filter(ticket=ticket, kind=EventKind.TRIAGE_CHANGED)
    if kept:
        assert not changes.exists()
    else:
        assert [(e.data["from_category"], e.data["to_category"]) for e in changes] == [(TELECOM, None)]


# --- The admin: triage rules -----------------------------------------------------------------------


def rule_form(department_code: str, category: str) -> dict:
    return {
        "department": Department.objects.get(code=department_code).pk,
        "name": "Late trains",
        "cues": "train late",
        "priority": "p2",
        "category": category,
        "is_active": "on",
    }


def test_the_rule_form_offers_a_department_admin_their_ministrys_categories_and_the_shared_ones(seeded, client):
    client.force_login(staff("BSNL", Role.DEPARTMENT_ADMIN))
    form = client.get(reverse("admin:tickets_triagerule_add")).context["adminform"].form
    choices = {str(value) for value, _label in form.fields["category"].choices}
    assert {SHARED, TELECOM} <= choices
    assert RAILWAY not in choices


def test_the_admin_refuses_a_rule_with_another_ministrys_category(seeded, client):
    client.force_login(staff("BSNL", Role.DEPARTMENT_ADMIN))
    response = client.post(reverse("admin:tickets_triagerule_add"), rule_form("BSNL", RAILWAY))
    assert response.status_code == 200
    assert "category" in response.context["adminform"].form.errors
    assert not TriageRule.objects.filter(name="Late trains").exists()


def test_even_a_superuser_may_not_give_a_rule_another_ministrys_category(seeded, client):
    client.force_login(User.objects.get(username="admin"))
    response = client.post(reverse("admin:tickets_triagerule_add"), rule_form("BSNL", RAILWAY))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["category"] == [
        "“Train delayed or cancelled” is another ministry's category; choose a shared one or one of BSNL's ministry."
    ]
    assert not TriageRule.objects.filter(name="Late trains").exists()
    # Railways' own department takes it.
    response = client.post(reverse("admin:tickets_triagerule_add"), rule_form("NR", RAILWAY))
    assert response.status_code == 302
    assert TriageRule.objects.get(name="Late trains").department.code == "NR"


def test_the_rule_list_filters_only_by_categories_of_the_admins_rules(seeded, client):
    client.force_login(staff("BSNL", Role.DEPARTMENT_ADMIN))
    body = html(client.get(reverse("admin:tickets_triagerule_changelist")))
    assert "No signal or network" in body
    assert "Train delayed or cancelled" not in body


# --- The admin: categories -------------------------------------------------------------------------


def listed(client) -> set[str]:
    response = client.get(reverse("admin:tickets_category_changelist"))
    assert response.status_code == 200
    return {category.code for category in response.context["cl"].result_list}


def test_a_ministrys_admins_see_the_shared_categories_and_their_ministrys_only(seeded, client):
    client.force_login(staff("BSNL", Role.DEPARTMENT_ADMIN))
    telecom = listed(client)
    client.force_login(User.objects.get(username="rail_admin"))
    railway = listed(client)
    client.force_login(User.objects.get(username="admin"))
    everything = listed(client)

    assert {SHARED, TELECOM} <= telecom
    assert {SHARED, RAILWAY} <= railway
    assert not {RAILWAY, "refund"} & telecom
    assert not {TELECOM, "parcel_lost"} & railway
    assert everything == set(Category.objects.values_list("code", flat=True))


def test_a_ministrys_admin_adds_a_category_of_their_ministry_but_no_shared_one(seeded, client):
    rail = Department.objects.get(code="RAIL")
    client.force_login(User.objects.get(username="rail_admin"))
    add = reverse("admin:tickets_category_add")
    body = {"code": "catering", "name_en": "Catering", "name_hi": "खानपान"}

    response = client.post(add, body)  # no ministry: shared
    assert response.status_code == 200
    assert "ministry" in response.context["adminform"].form.errors
    moc = Department.objects.get(code="MOC")
    response = client.post(add, {**body, "ministry": moc.pk})  # another ministry's
    assert response.status_code == 200
    assert "ministry" in response.context["adminform"].form.errors
    assert not Category.objects.filter(code="catering").exists()

    assert client.post(add, {**body, "ministry": rail.pk}).status_code == 302
    assert Category.objects.get(code="catering").ministry == rail
    event = AuditEvent.objects.get(kind=EventKind.CONFIG_CHANGED, data__model="tickets.category")
    assert event.data["changes"]["ministry_id"] == [None, rail.pk]


def test_only_a_superuser_edits_a_shared_category(seeded, client):
    change = reverse("admin:tickets_category_change", args=[SHARED])
    client.force_login(User.objects.get(username="rail_admin"))
    assert client.post(change, {"name_en": "Money gone", "name_hi": ""}).status_code == 403
    assert Category.objects.get(code=SHARED).name_en == "Money deducted"
    # Their own ministry's they edit.
    own = reverse("admin:tickets_category_change", args=[RAILWAY])
    rail = Department.objects.get(code="RAIL")
    response = client.post(own, {"name_en": "Train late", "name_hi": "", "ministry": rail.pk})
    assert response.status_code == 302
    assert Category.objects.get(code=RAILWAY).name_en == "Train late"

    client.force_login(User.objects.get(username="admin"))
    assert client.post(change, {"name_en": "Money gone", "name_hi": "", "ministry": ""}).status_code == 302
    assert Category.objects.get(code=SHARED).name_en == "Money gone"


def test_a_department_admin_below_the_ministry_only_reads_its_categories(seeded, client):
    client.force_login(staff("BSNL", Role.DEPARTMENT_ADMIN))
    moc = Department.objects.get(code="MOC")
    change = reverse("admin:tickets_category_change", args=[TELECOM])
    assert client.get(change).status_code == 200  # to read
    response = client.post(change, {"name_en": "Signal", "name_hi": "", "ministry": moc.pk})
    assert response.status_code == 403
    assert Category.objects.get(code=TELECOM).name_en == "No signal or network"
    assert client.get(reverse("admin:tickets_category_add")).status_code == 403


def test_a_category_other_ministries_use_does_not_become_one_ministrys(seeded, client):
    client.force_login(User.objects.get(username="admin"))
    rail = Department.objects.get(code="RAIL")
    change = reverse("admin:tickets_category_change", args=[SHARED])
    # Communications' rules use it too.
    response = client.post(change, {"name_en": "Money deducted", "name_hi": "", "ministry": rail.pk})
    assert response.status_code == 200
    assert "ministry" in response.context["adminform"].form.errors
    assert Category.objects.get(code=SHARED).ministry is None
