"""The triage rules' admin, scoped to the admin's departments and saved with CONFIG_CHANGED events;
categories per ministry are tested in test_ministry_categories."""

import pytest
from django.urls import reverse

from accounts.models import User
from departments.models import Department, Role
from tests.factories import member
from tickets.models import AuditEvent, Category, EventKind, TriageRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def bsnl_admin_client(client, settings, seeded):
    settings.SEVA_2FA_REQUIRED_ROLES = ()  # two-factor sign-in is tested at its own door
    client.force_login(member(department=Department.objects.get(code="BSNL"), role=Role.DEPARTMENT_ADMIN))
    return client


def rule_form(department, **fields):
    return {
        "department": department.pk,
        "name": "Tower fire",
        "cues": "tower fire\nटावर में आग",
        "priority": "p1",
        "category": "no_signal",
        "is_active": "on",
        **fields,
    }


def test_a_department_admin_lists_only_their_subtrees_rules(bsnl_admin_client):
    response = bsnl_admin_client.get(reverse("admin:tickets_triagerule_changelist"))
    assert response.status_code == 200
    assert {rule.department.code for rule in response.context["cl"].result_list} == {"BSNL"}


def test_a_department_admin_cannot_open_another_departments_rule(bsnl_admin_client):
    rule = TriageRule.objects.filter(department__code="POSTS").first()
    response = bsnl_admin_client.get(reverse("admin:tickets_triagerule_change", args=[rule.pk]))
    assert (response.status_code, response.url) == (302, reverse("admin:index"))


def test_a_rule_added_for_a_unit_is_saved_with_its_event(bsnl_admin_client):
    kerala = Department.objects.get(code="BSNL_KL")
    response = bsnl_admin_client.post(reverse("admin:tickets_triagerule_add"), rule_form(kerala))
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule = TriageRule.objects.get(name="Tower fire")
    assert (rule.department, rule.cues) == (kerala, "tower fire\nटावर में आग")
    event = AuditEvent.objects.get(kind=EventKind.CONFIG_CHANGED, data__model="tickets.triagerule")
    assert event.data["action"] == "add"
    assert event.data["changes"]["priority"] == [None, "p1"]


def test_a_rule_for_another_department_is_a_form_error(bsnl_admin_client):
    posts = Department.objects.get(code="POSTS")
    response = bsnl_admin_client.post(reverse("admin:tickets_triagerule_add"), rule_form(posts))
    assert response.status_code == 200
    assert not TriageRule.objects.filter(name="Tower fire").exists()


def test_cues_of_punctuation_only_are_a_form_error(bsnl_admin_client):
    bsnl = Department.objects.get(code="BSNL")
    response = bsnl_admin_client.post(reverse("admin:tickets_triagerule_add"), rule_form(bsnl, cues="!!!\n..."))
    assert response.status_code == 200
    assert "cues" in response.context["adminform"].form.errors


def test_a_superuser_adds_a_shared_category_a_department_admin_none(bsnl_admin_client, client):
    assert bsnl_admin_client.get(reverse("admin:tickets_category_add")).status_code == 403
    client.force_login(User.objects.get(username="admin"))
    response = client.post(
        reverse("admin:tickets_category_add"), {"code": "tower", "name_en": "Tower", "name_hi": "टावर"}
    )
    assert response.status_code == 302
    tower = Category.objects.get(code="tower")
    assert (tower.name_hi, tower.ministry) == ("टावर", None)
    assert AuditEvent.objects.filter(kind=EventKind.CONFIG_CHANGED, data__model="tickets.category").exists()
