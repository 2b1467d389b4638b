import pytest
from django.urls import reverse

from departments.models import Department, Hashtag, Role, RoutingRule
from tests.factories import DepartmentFactory, HashtagFactory, RoutingRuleFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_departments():
    root = DepartmentFactory(code="ROOT")
    tel = DepartmentFactory(code="TEL", parent=root)
    post = DepartmentFactory(code="POST", parent=root)
    return root, tel, post


@pytest.fixture
def tel_admin_client(client, two_departments):
    _, tel, _ = two_departments
    client.force_login(member(department=tel, role=Role.DEPARTMENT_ADMIN))
    return client


def test_department_admin_lists_only_their_subtree(tel_admin_client, two_departments):
    _, tel, _ = two_departments
    DepartmentFactory(code="TEL_KL", parent=tel, is_unit=True)
    response = tel_admin_client.get(reverse("admin:departments_department_changelist"))
    assert response.status_code == 200
    codes = {dept.code for dept in response.context["cl"].result_list}
    assert codes == {"TEL", "TEL_KL"}


def test_department_admin_cannot_open_another_departments_object_by_id(tel_admin_client, two_departments):
    _, _, post = two_departments
    tag = HashtagFactory(tag="PostSeva", department=post)
    rule = RoutingRuleFactory(pattern="parcel", department=post)
    for url in (
        reverse("admin:departments_department_change", args=[post.pk]),
        reverse("admin:departments_hashtag_change", args=[tag.pk]),
        reverse("admin:departments_routingrule_change", args=[rule.pk]),
    ):
        response = tel_admin_client.get(url)
        # The admin redirects to its index with "doesn't exist" for objects outside the queryset.
        assert response.status_code == 302, url
        assert response.url == reverse("admin:index")


def test_department_admin_cannot_delete_another_departments_hashtag(tel_admin_client, two_departments):
    _, _, post = two_departments
    tag = HashtagFactory(tag="PostSeva", department=post)
    tel_admin_client.post(reverse("admin:departments_hashtag_delete", args=[tag.pk]), {"post": "yes"})
    assert Hashtag.objects.filter(pk=tag.pk).exists()


def test_department_admin_can_only_pick_their_departments_in_forms(tel_admin_client, two_departments):
    _, tel, post = two_departments
    response = tel_admin_client.post(
        reverse("admin:departments_routingrule_add"),
        {"kind": "keyword", "pattern": "broadband", "department": post.pk, "priority": 10, "is_active": "on"},
    )
    assert response.status_code == 200  # the form comes back with an error
    assert not RoutingRule.objects.filter(pattern="broadband").exists()
    tel_admin_client.post(
        reverse("admin:departments_routingrule_add"),
        {"kind": "keyword", "pattern": "broadband", "department": tel.pk, "priority": 10, "is_active": "on"},
    )
    assert RoutingRule.objects.get(pattern="broadband").department == tel


def test_department_admin_cannot_create_a_top_level_department(tel_admin_client):
    tel_admin_client.post(
        reverse("admin:departments_department_add"),
        {
            "code": "ROGUE",
            "name_en": "Rogue",
            "ticket_prefix": "",
            "is_active": "on",
            "hashtags-TOTAL_FORMS": 0,
            "hashtags-INITIAL_FORMS": 0,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert not Department.objects.filter(code="ROGUE").exists()


def test_ministry_admin_sees_every_department(client, two_departments):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:departments_department_changelist"))
    assert {dept.code for dept in response.context["cl"].result_list} == {"ROOT", "TEL", "POST"}


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR, Role.SUPERVISOR])
def test_officers_auditors_and_supervisors_do_not_get_the_admin(client, two_departments, role):
    _, tel, _ = two_departments
    user = member(department=tel, role=role, is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:departments_department_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def test_department_admin_logs_in_through_the_admin_login_form(client, two_departments):
    _, tel, _ = two_departments
    member(department=tel, role=Role.DEPARTMENT_ADMIN, username="teladmin")
    member(department=tel, role=Role.OFFICER, username="telofficer")
    ok = client.post(reverse("admin:login"), {"username": "teladmin", "password": "pass-for-tests-123"})
    assert ok.status_code == 302
    client.logout()
    refused = client.post(reverse("admin:login"), {"username": "telofficer", "password": "pass-for-tests-123"})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
