"""Item 12 of issue 7: a department admin cannot take another department's tweets (hashtags,
official accounts, keywords, the minister's account, ticket prefixes), and every change to the
routing configuration made in the admin is a CONFIG_CHANGED audit event."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from departments import services
from departments.models import Department, Hashtag, OfficialAccount, Role, RoutingRule
from tests.factories import member
from tests.factories.tickets import ticket_of
from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def form_errors(response) -> dict:
    assert response.status_code == 200, "the form should come back with its errors"
    return response.context["adminform"].form.errors


def config_events():
    return AuditEvent.objects.filter(kind=EventKind.CONFIG_CHANGED).order_by("id")


def unit_form(**fields) -> dict:
    return {
        "code": "BSNL_TN",
        "name_en": "BSNL Tamil Nadu Circle",
        "parent": dept("BSNL").pk,
        "ticket_prefix": "",
        "is_unit": "on",
        "is_active": "on",
        "assignment_mode": "inherit",
        "hashtags-TOTAL_FORMS": 0,
        "hashtags-INITIAL_FORMS": 0,
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
        **fields,
    }


@pytest.mark.parametrize("tag", ["mtnlseva", "#PostalSeva"])
def test_a_hashtag_another_department_has_is_a_form_error(bsnl_admin_client, tag):
    response = bsnl_admin_client.post(
        reverse("admin:departments_hashtag_add"), {"tag": tag, "department": dept("BSNL").pk}
    )
    assert "tag" in form_errors(response)
    assert Hashtag.objects.filter(department__code="BSNL").count() == 1


@pytest.mark.parametrize("tag", ["MTNLOfficial", "mtnl", "posts"])
def test_a_hashtag_naming_another_departments_handle_or_code_is_a_form_error(bsnl_admin_client, tag):
    # Hashtags route before mentions: #MTNLOfficial would take tweets that mention @MTNLOfficial.
    response = bsnl_admin_client.post(
        reverse("admin:departments_hashtag_add"), {"tag": tag, "department": dept("BSNL").pk}
    )
    assert "tag" in form_errors(response)
    assert not Hashtag.objects.filter(tag__iexact=tag).exists()


def test_a_hashtag_for_another_department_is_refused(bsnl_admin_client):
    response = bsnl_admin_client.post(
        reverse("admin:departments_hashtag_add"), {"tag": "ParcelHelp", "department": dept("POSTS").pk}
    )
    assert "department" in form_errors(response)
    assert not Hashtag.objects.filter(tag="ParcelHelp").exists()


def test_a_hashtag_for_their_unit_is_added_with_an_event(bsnl_admin_client, bsnl_admin):
    response = bsnl_admin_client.post(
        reverse("admin:departments_hashtag_add"), {"tag": "#KeralaBSNL", "department": dept("BSNL_KL").pk}
    )
    assert response.status_code == 302
    hashtag = Hashtag.objects.get(tag="KeralaBSNL")
    event = config_events().get()
    assert event.actor_id == bsnl_admin.pk
    assert event.data["model"] == "departments.hashtag"
    assert event.data["object_id"] == hashtag.pk
    assert event.data["action"] == "add"
    assert event.data["changes"]["tag"] == [None, "KeralaBSNL"]


def test_changing_a_hashtag_is_a_config_changed_event_with_old_and_new_values(bsnl_admin_client, bsnl_admin):
    hashtag = Hashtag.objects.get(tag="BSNLSeva")
    response = bsnl_admin_client.post(
        reverse("admin:departments_hashtag_change", args=[hashtag.pk]),
        {"tag": "BSNLHelp", "department": hashtag.department_id},
    )
    assert response.status_code == 302
    event = config_events().get()
    assert event.actor_id == bsnl_admin.pk
    assert event.data["action"] == "change"
    assert event.data["object_id"] == hashtag.pk
    assert event.data["changes"] == {"tag": ["BSNLSeva", "BSNLHelp"]}


def test_a_hashtag_added_on_the_department_page_is_an_event_too(bsnl_admin_client):
    bsnl = dept("BSNL")
    hashtag = Hashtag.objects.get(department=bsnl)
    data = {
        "code": "BSNL",
        "name_en": bsnl.name_en,
        "name_hi": bsnl.name_hi,
        "parent": bsnl.parent_id,
        "ticket_prefix": "",
        "is_active": "on",
        "assignment_mode": bsnl.assignment_mode,
        "hashtags-TOTAL_FORMS": 2,
        "hashtags-INITIAL_FORMS": 1,
        "hashtags-0-id": hashtag.pk,
        "hashtags-0-department": bsnl.pk,
        "hashtags-0-tag": hashtag.tag,
        "hashtags-1-department": bsnl.pk,
        "hashtags-1-tag": "BSNLFiber",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    response = bsnl_admin_client.post(reverse("admin:departments_department_change", args=[bsnl.pk]), data)
    assert response.status_code == 302
    added = Hashtag.objects.get(tag="BSNLFiber")
    assert [(e.data["model"], e.data["object_id"]) for e in config_events()] == [("departments.hashtag", added.pk)]


def test_bulk_deleting_hashtags_and_rules_writes_an_event_each(bsnl_admin_client):
    rules = list(RoutingRule.objects.filter(department__code="BSNL_KL"))
    response = bsnl_admin_client.post(
        reverse("admin:departments_routingrule_changelist"),
        {"action": "delete_selected", "_selected_action": [rule.pk for rule in rules], "post": "yes"},
    )
    assert response.status_code == 302
    tag = Hashtag.objects.get(tag="BSNLSeva")
    bsnl_admin_client.post(
        reverse("admin:departments_hashtag_changelist"),
        {"action": "delete_selected", "_selected_action": [tag.pk], "post": "yes"},
    )
    assert not RoutingRule.objects.filter(department__code="BSNL_KL").exists()
    assert not Hashtag.objects.filter(pk=tag.pk).exists()
    deleted = [(e.data["model"], e.data["object_id"], e.data["action"]) for e in config_events()]
    expected = [("departments.routingrule", rule.pk, "delete") for rule in rules]
    assert sorted(deleted) == sorted([*expected, ("departments.hashtag", tag.pk, "delete")])
    assert config_events().filter(data__object_id=tag.pk).get().data["changes"]["tag"] == ["BSNLSeva", None]


def test_a_department_admin_makes_a_unit_assign_automatically_with_its_own_cap(bsnl_admin_client):
    kerala = dept("BSNL_KL")
    names = {"code": "BSNL_KL", "name_en": kerala.name_en, "name_hi": kerala.name_hi}
    data = unit_form(**names, assignment_mode="auto", max_open_per_officer="12")
    response = bsnl_admin_client.post(reverse("admin:departments_department_change", args=[kerala.pk]), data)
    assert response.status_code == 302
    kerala.refresh_from_db()
    assert (kerala.assignment_mode, kerala.max_open_per_officer) == ("auto", 12)
    event = config_events().get()
    assert event.data["changes"]["assignment_mode"] == ["inherit", "auto"]
    assert event.data["changes"]["max_open_per_officer"] == [None, 12]


def test_the_department_page_shows_the_assignment_settings(bsnl_admin_client):
    page = bsnl_admin_client.get(reverse("admin:departments_department_change", args=[dept("BSNL").pk]))
    body = page.content.decode()
    assert 'name="assignment_mode"' in body
    assert 'name="max_open_per_officer"' in body


def official_account_form(**fields) -> dict:
    return {"handle": "BSNLKerala", "x_user_id": "2000001", "department": dept("BSNL_KL").pk, **fields}


def test_an_official_account_for_another_department_is_refused(bsnl_admin_client):
    response = bsnl_admin_client.post(
        reverse("admin:departments_officialaccount_add"), official_account_form(department=dept("POSTS").pk)
    )
    assert "department" in form_errors(response)
    assert not OfficialAccount.objects.filter(handle="BSNLKerala").exists()


def test_a_handle_another_department_has_is_a_form_error(bsnl_admin_client):
    response = bsnl_admin_client.post(
        reverse("admin:departments_officialaccount_add"), official_account_form(handle="@postofficeindia")
    )
    assert "handle" in form_errors(response)
    assert OfficialAccount.objects.filter(handle__iexact="postofficeindia").count() == 1


@pytest.mark.parametrize("same", ["handle", "x_user_id"])
def test_a_citizens_account_cannot_be_made_official_by_a_department_admin(bsnl_admin_client, same):
    # An official account's tweets are never tickets: registering a citizen would silence them.
    ticket = ticket_of("BSNL", citizen_handle="ravi_kumar", citizen_x_user_id=3_200_000_001)
    fields = {"handle": ticket.citizen_handle.upper()} if same == "handle" else {"x_user_id": "3200000001"}
    response = bsnl_admin_client.post(
        reverse("admin:departments_officialaccount_add"), official_account_form(**fields)
    )
    assert "handle" in form_errors(response)
    assert not OfficialAccount.objects.filter(department__code="BSNL_KL").exists()


def test_department_admin_cannot_mark_the_ministers_account(bsnl_admin_client):
    response = bsnl_admin_client.post(
        reverse("admin:departments_officialaccount_add"), official_account_form(is_minister="on")
    )
    # The field is not theirs to set: the form leaves it out, and the service refuses it.
    assert response.status_code == 302
    assert OfficialAccount.objects.get(handle="BSNLKerala").is_minister is False


def test_the_service_refuses_the_ministers_flag_from_a_department_admin(bsnl_admin):
    account = OfficialAccount(handle="BSNLKerala", x_user_id="2000001", department=dept("BSNL_KL"), is_minister=True)
    with pytest.raises(ValidationError) as refused:
        services.official_account_save(actor=bsnl_admin, official_account=account)
    assert "is_minister" in refused.value.message_dict
    assert not OfficialAccount.objects.filter(handle="BSNLKerala").exists()


def test_ministry_admin_may_mark_the_ministers_account(ministry_admin_client):
    response = ministry_admin_client.post(
        reverse("admin:departments_officialaccount_add"),
        official_account_form(handle="MoSComms", department=dept("MOC").pk, is_minister="on"),
    )
    assert response.status_code == 302
    assert OfficialAccount.objects.get(handle="MoSComms").is_minister


def test_an_official_account_added_is_a_config_changed_event(bsnl_admin_client, bsnl_admin):
    response = bsnl_admin_client.post(reverse("admin:departments_officialaccount_add"), official_account_form())
    assert response.status_code == 302
    event = config_events().get()
    assert event.data["model"] == "departments.officialaccount"
    assert event.data["changes"]["handle"] == [None, "BSNLKerala"]
    assert event.data["changes"]["department_id"] == [None, dept("BSNL_KL").pk]


def test_a_keyword_another_department_routes_is_refused(bsnl_admin_client):
    # "parcel" is a POSTS keyword; a BSNL rule with a lower order number would take it over.
    response = bsnl_admin_client.post(
        reverse("admin:departments_routingrule_add"),
        {"kind": "keyword", "pattern": "Parcel", "department": dept("BSNL").pk, "priority": 1, "is_active": "on"},
    )
    assert "pattern" in form_errors(response)
    assert not RoutingRule.objects.filter(pattern="Parcel").exists()


@pytest.mark.parametrize(("field", "prefix"), [("ticket_prefix", "MTNL"), ("ticket_prefix", "posts"), ("code", "")])
def test_a_ticket_prefix_another_department_numbers_with_is_refused(bsnl_admin_client, field, prefix):
    data = unit_form(ticket_prefix=prefix)
    if field == "code":
        # No prefix: the code numbers the unit's tickets, and MTNL's are numbered MT-...
        Department.objects.filter(code="MTNL").update(ticket_prefix="MT")
        data["code"] = "MT"
    response = bsnl_admin_client.post(reverse("admin:departments_department_add"), data)
    assert field in form_errors(response)
    assert not Department.objects.filter(code=data["code"], is_unit=True).exists()


def test_the_database_refuses_a_shared_ticket_prefix(seeded):
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(code="BSNL_TN", name_en="Tamil Nadu", ticket_prefix="BSNL")


def test_a_unit_with_its_own_prefix_is_added_with_an_event(bsnl_admin_client, bsnl_admin):
    response = bsnl_admin_client.post(reverse("admin:departments_department_add"), unit_form(ticket_prefix="btn"))
    assert response.status_code == 302
    unit = Department.objects.get(code="BSNL_TN")
    assert unit.number_prefix == "BTN"
    event = config_events().get()
    assert event.actor_id == bsnl_admin.pk
    assert event.data["model"] == "departments.department"
    assert event.data["changes"]["ticket_prefix"] == [None, "BTN"]


def test_the_services_refuse_another_departments_configuration_whoever_calls_them(bsnl_admin):
    # The admin's forms run the same checks; a caller that skips the form still meets the service.
    posts = dept("POSTS")
    with pytest.raises(PermissionDenied):
        services.hashtag_save(actor=bsnl_admin, hashtag=Hashtag(tag="ParcelHelp", department=posts))
    with pytest.raises(PermissionDenied):
        services.routing_rule_delete(actor=bsnl_admin, routing_rule=RoutingRule.objects.filter(department=posts)[0])
    with pytest.raises(PermissionDenied):
        services.official_account_save(
            actor=bsnl_admin, official_account=OfficialAccount(handle="x1", x_user_id="2000009", department=posts)
        )
    assert not Hashtag.objects.filter(tag="ParcelHelp").exists()
    assert RoutingRule.objects.filter(department=posts).count() == 5
    assert not config_events().exists()


def test_deleting_a_unit_records_it_and_the_rules_that_go_with_it(bsnl_admin_client):
    unit = dept("BSNL_UP")
    rules = set(unit.routing_rules.values_list("pk", flat=True))
    response = bsnl_admin_client.post(reverse("admin:departments_department_delete", args=[unit.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Department.objects.filter(code="BSNL_UP").exists()
    deleted = {(e.data["model"], e.data["object_id"]) for e in config_events().filter(data__action="delete")}
    assert deleted == {("departments.department", unit.pk)} | {("departments.routingrule", pk) for pk in rules}


def test_the_ministrys_own_admin_may_mark_the_ministers_account(client, settings, seeded):
    settings.SEVA_2FA_REQUIRED_ROLES = ()
    client.force_login(member(department=dept("MOC"), role=Role.DEPARTMENT_ADMIN, username="moc_admin"))
    response = client.post(
        reverse("admin:departments_officialaccount_add"),
        official_account_form(handle="MoSComms", department=dept("MOC").pk, is_minister="on"),
    )
    assert response.status_code == 302
    assert OfficialAccount.objects.get(handle="MoSComms").is_minister


def test_only_a_ministrys_own_admin_marks_its_ministers_account(seeded):
    rail, nr = dept("RAIL"), dept("NR")
    account = OfficialAccount(handle="MoS_Railways", x_user_id="1100099", department=rail, is_minister=True)
    services.official_account_save(actor=member(department=rail, role=Role.DEPARTMENT_ADMIN), official_account=account)
    assert OfficialAccount.objects.get(handle="MoS_Railways").is_minister

    # Communications' ministry admin, who also administers a railway zone, is no admin of Railways.
    telecom_admin = member(department=dept("MOC"), role=Role.DEPARTMENT_ADMIN)
    member_of_zone = OfficialAccount(handle="NR_GM", x_user_id="1100098", department=nr, is_minister=True)
    telecom_admin.memberships.create(department=nr, role=Role.DEPARTMENT_ADMIN)
    with pytest.raises(ValidationError) as refused:
        services.official_account_save(actor=telecom_admin, official_account=member_of_zone)
    assert "is_minister" in refused.value.message_dict
    assert not OfficialAccount.objects.filter(handle="NR_GM").exists()
