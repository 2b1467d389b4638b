"""Item 2 of issue 7: a department admin manages only the staff of their subtree, and every grant,
change and revocation of a role is an audit event."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import User
from departments import services
from departments.models import Department, Membership, Role
from tests.factories import MembershipFactory, UserFactory, member
from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"  # the seeded users'


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def membership_form(*, user, department, role=Role.OFFICER) -> dict:
    return {"user": user.pk, "department": department.pk, "role": role, "on_duty": "on"}


def change_form_data(response) -> dict:
    """What the admin's change form would post back unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


@pytest.fixture
def outsiders(seeded):
    """Users a BSNL admin must not manage: a superuser, a user with no membership (as
    `createsuperuser` or a stray `manage.py shell` makes them), and one who also works elsewhere."""
    straddler = member(department=dept("BSNL_KL"), username="straddler")
    MembershipFactory(user=straddler, department=dept("POSTS"), role=Role.OFFICER)
    return {
        "superuser": User.objects.get(username="admin"),
        "membershipless": UserFactory(username="loose"),
        "other_department": User.objects.get(username="posts_officer"),
        "straddler": straddler,
        "auditor": User.objects.get(username="auditor"),
    }


@pytest.mark.parametrize("who", ["superuser", "membershipless", "other_department", "straddler"])
def test_department_admin_cannot_grant_a_membership_to_a_user_outside_their_subtree(bsnl_admin_client, outsiders, who):
    target = outsiders[who]
    before = set(Membership.objects.filter(user=target).values_list("pk", flat=True))
    response = bsnl_admin_client.post(
        reverse("admin:departments_membership_add"), membership_form(user=target, department=dept("BSNL"))
    )
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert "user" in response.context["adminform"].form.errors
    assert set(Membership.objects.filter(user=target).values_list("pk", flat=True)) == before
    assert not AuditEvent.objects.filter(kind=EventKind.ROLE_GRANTED).exists()


def test_department_admin_cannot_set_a_superusers_password(bsnl_admin_client, outsiders):
    """The reproduced takeover: give the superuser a BSNL membership, then set its password."""
    superuser = outsiders["superuser"]
    bsnl_admin_client.post(
        reverse("admin:departments_membership_add"), membership_form(user=superuser, department=dept("BSNL"))
    )
    url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert bsnl_admin_client.get(url).status_code in (403, 404)
    response = bsnl_admin_client.post(
        url, {"password1": "taken-over-123!", "password2": "taken-over-123!", "usable_password": "true"}
    )
    assert response.status_code in (403, 404)
    superuser.refresh_from_db()
    assert superuser.check_password(PASSWORD)


@pytest.mark.parametrize("who", ["superuser", "membershipless", "other_department", "straddler"])
@pytest.mark.parametrize("view", ["change", "delete", "history", "password"])
def test_department_admin_cannot_open_a_user_outside_their_subtree(bsnl_admin_client, outsiders, who, view):
    target = outsiders[who]
    name = "admin:auth_user_password_change" if view == "password" else f"admin:accounts_user_{view}"
    response = bsnl_admin_client.get(reverse(name, args=[target.pk]))
    assert response.status_code in (403, 404)
    if view == "delete":
        bsnl_admin_client.post(reverse(name, args=[target.pk]), {"post": "yes"})
        assert User.objects.filter(pk=target.pk).exists()


def test_department_admins_user_list_holds_only_the_staff_of_their_subtree(bsnl_admin_client, outsiders):
    response = bsnl_admin_client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    listed = {user.username for user in response.context["cl"].result_list}
    assert listed == {"bsnl_admin", "bsnl_officer", "bsnl_supervisor"}


def test_ministry_admin_still_lists_every_user(ministry_admin_client, outsiders):
    response = ministry_admin_client.get(reverse("admin:accounts_user_changelist"))
    listed = {user.username for user in response.context["cl"].result_list}
    assert {"admin", "loose", "posts_officer", "straddler", "bsnl_officer"} <= listed


def test_user_autocomplete_offers_only_manageable_users(bsnl_admin_client, outsiders):
    response = bsnl_admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "departments", "model_name": "membership", "field_name": "user", "term": ""},
    )
    assert response.status_code == 200
    offered = {int(result["id"]) for result in response.json()["results"]}
    assert offered
    assert offered.isdisjoint(user.pk for user in outsiders.values())


def test_department_admin_creates_a_staff_user_with_a_role_in_their_subtree(bsnl_admin_client, bsnl_admin):
    response = bsnl_admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "kl_officer",
            "usable_password": "true",
            "password1": "a-fresh-pass-987",
            "password2": "a-fresh-pass-987",
            "department": dept("BSNL_KL").pk,
            "role": Role.OFFICER,
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="kl_officer")
    assert not created.is_superuser
    assert list(created.memberships.values_list("department__code", "role")) == [("BSNL_KL", Role.OFFICER)]
    event = AuditEvent.objects.get(kind=EventKind.ROLE_GRANTED)
    assert event.actor_id == bsnl_admin.pk
    assert event.data["user_id"] == created.pk
    # The new user is theirs to manage from now on: its page and its password page open.
    assert bsnl_admin_client.get(response.url).status_code == 200
    assert bsnl_admin_client.get(reverse("admin:auth_user_password_change", args=[created.pk])).status_code == 200


def test_department_admin_cannot_create_a_user_without_a_role_in_their_subtree(bsnl_admin_client):
    data = {"username": "nobody", "usable_password": "true", "password1": "a-fresh-pass-987"}
    data["password2"] = data["password1"]
    response = bsnl_admin_client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 200
    posts = bsnl_admin_client.post(
        reverse("admin:accounts_user_add"), {**data, "department": dept("POSTS").pk, "role": Role.OFFICER}
    )
    assert posts.status_code == 200
    assert not User.objects.filter(username="nobody").exists()


def test_department_admin_cannot_make_a_user_superuser_or_staff(bsnl_admin_client):
    officer = User.objects.get(username="bsnl_officer")
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    data = change_form_data(bsnl_admin_client.get(url))
    data.update({"is_superuser": "on", "is_staff": "on"})
    response = bsnl_admin_client.post(url, data)
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_superuser
    assert not officer.is_staff


def test_granting_a_role_is_an_audit_event(bsnl_admin_client, bsnl_admin):
    officer = User.objects.get(username="bsnl_officer")
    response = bsnl_admin_client.post(
        reverse("admin:departments_membership_add"),
        membership_form(user=officer, department=dept("BSNL_KL"), role=Role.SUPERVISOR),
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(kind=EventKind.ROLE_GRANTED)
    assert event.actor_id == bsnl_admin.pk
    assert event.ticket_id is None
    assert event.data["user_id"] == officer.pk
    assert event.data["role"] == Role.SUPERVISOR
    assert event.data["department"] == "BSNL_KL"


def test_changing_a_role_is_an_audit_event(bsnl_admin_client, bsnl_admin):
    membership = Membership.objects.get(user__username="bsnl_officer")
    url = reverse("admin:departments_membership_change", args=[membership.pk])
    response = bsnl_admin_client.post(url, {"department": membership.department_id, "role": Role.SUPERVISOR})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.SUPERVISOR
    event = AuditEvent.objects.get(kind=EventKind.ROLE_CHANGED)
    assert event.actor_id == bsnl_admin.pk
    assert event.data["changes"]["role"] == [Role.OFFICER, Role.SUPERVISOR]
    assert event.data["changes"]["on_duty"] == [True, False]


def test_revoking_roles_with_the_bulk_delete_action_writes_an_event_each(bsnl_admin_client, bsnl_admin):
    memberships = list(Membership.objects.filter(user__username__in=["bsnl_officer", "bsnl_supervisor"]))
    response = bsnl_admin_client.post(
        reverse("admin:departments_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [m.pk for m in memberships], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk__in=[m.pk for m in memberships]).exists()
    events = AuditEvent.objects.filter(kind=EventKind.ROLE_REVOKED)
    assert sorted(e.data["membership_id"] for e in events) == sorted(m.pk for m in memberships)
    assert {e.actor_id for e in events} == {bsnl_admin.pk}


def test_deleting_a_staff_user_revokes_their_roles_with_events(bsnl_admin_client):
    officer = User.objects.get(username="bsnl_officer")
    response = bsnl_admin_client.post(reverse("admin:accounts_user_delete", args=[officer.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=officer.pk).exists()
    assert AuditEvent.objects.get(kind=EventKind.ROLE_REVOKED).data["username"] == "bsnl_officer"


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_user_add",
        "admin:departments_membership_add",
        "admin:departments_hashtag_add",
        "admin:departments_officialaccount_add",
        "admin:departments_routingrule_add",
        "admin:departments_department_add",
    ],
)
def test_department_admins_add_pages_open(bsnl_admin_client, url_name):
    assert bsnl_admin_client.get(reverse(url_name)).status_code == 200


def test_department_admin_opens_their_own_department_and_its_staff(bsnl_admin_client):
    officer = User.objects.get(username="bsnl_officer")
    membership = officer.memberships.get()
    for url in (
        reverse("admin:departments_department_change", args=[dept("BSNL").pk]),
        reverse("admin:accounts_user_change", args=[officer.pk]),
        reverse("admin:auth_user_password_change", args=[officer.pk]),
        reverse("admin:departments_membership_change", args=[membership.pk]),
    ):
        assert bsnl_admin_client.get(url).status_code == 200, url


def test_the_grant_service_refuses_a_department_outside_the_subtree(bsnl_admin):
    officer = User.objects.get(username="bsnl_officer")
    with pytest.raises(PermissionDenied):
        services.membership_grant(actor=bsnl_admin, user=officer, department=dept("POSTS"), role=Role.OFFICER)
    with pytest.raises(ValidationError):
        services.membership_grant(
            actor=bsnl_admin, user=User.objects.get(username="admin"), department=dept("BSNL"), role=Role.OFFICER
        )
    assert not Membership.objects.filter(department__code="POSTS", user=officer).exists()
    assert not AuditEvent.objects.exists()
