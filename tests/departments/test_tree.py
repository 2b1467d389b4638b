import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from departments.models import Role
from departments.selectors import department_list_visible, department_roles, user_has_role
from departments.services import department_save
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """MOC > BSNL > KERALA > KOCHI, and MOC > POSTS."""
    root = DepartmentFactory(code="ROOT")
    bsnl = DepartmentFactory(code="TEL", parent=root)
    kerala = DepartmentFactory(code="TEL_KL", parent=bsnl, is_unit=True)
    kochi = DepartmentFactory(code="TEL_KL_KOCHI", parent=kerala, is_unit=True)
    posts = DepartmentFactory(code="POST", parent=root)
    return {"root": root, "tel": bsnl, "kerala": kerala, "kochi": kochi, "posts": posts}


def move(department, *, parent):
    """A department moved under `parent` by a ministry admin, as the admin's change form does."""
    department.parent = parent
    return department_save(actor=UserFactory(is_superuser=True, is_staff=True), department=department)


def test_a_department_cannot_move_below_its_own_descendant(tree):
    with pytest.raises(ValidationError, match="cycle"):
        move(tree["tel"], parent=tree["kochi"])
    tree["tel"].refresh_from_db()
    assert tree["tel"].parent == tree["root"]


def test_a_department_cannot_be_its_own_parent(tree):
    with pytest.raises(ValidationError):
        move(tree["tel"], parent=tree["tel"])


def test_the_database_refuses_a_cycle_written_around_the_services(tree):
    tree["root"].parent = tree["kochi"]
    with pytest.raises(IntegrityError), transaction.atomic():
        tree["root"].save(update_fields=["parent"])


def test_a_legal_move_is_kept(tree):
    move(tree["kochi"], parent=tree["tel"])
    tree["kochi"].refresh_from_db()
    assert tree["kochi"].parent == tree["tel"]


def test_membership_covers_the_department_and_every_descendant_and_nothing_else(tree):
    officer = member(department=tree["tel"], role=Role.OFFICER)
    visible = set(department_list_visible(user=officer).values_list("code", flat=True))
    assert visible == {"TEL", "TEL_KL", "TEL_KL_KOCHI"}


def test_membership_on_a_unit_does_not_reach_its_parent_or_siblings(tree):
    DepartmentFactory(code="TEL_MH", parent=tree["tel"], is_unit=True)
    officer = member(department=tree["kerala"], role=Role.OFFICER)
    visible = set(department_list_visible(user=officer).values_list("code", flat=True))
    assert visible == {"TEL_KL", "TEL_KL_KOCHI"}


def test_roles_are_reported_per_department_and_combine(tree):
    user = member(department=tree["root"], role=Role.AUDITOR)
    MembershipFactory(user=user, department=tree["tel"], role=Role.SUPERVISOR)
    roles = department_roles(user=user)
    assert roles[tree["posts"].id] == {Role.AUDITOR}
    assert roles[tree["kochi"].id] == {Role.AUDITOR, Role.SUPERVISOR}
    assert user_has_role(user=user, department_id=tree["kochi"].id, roles=[Role.SUPERVISOR])
    assert not user_has_role(user=user, department_id=tree["posts"].id, roles=[Role.SUPERVISOR])


def test_a_user_without_membership_sees_nothing(tree):
    assert list(department_list_visible(user=UserFactory())) == []


def test_an_inactive_department_grants_nothing(tree):
    officer = member(department=tree["tel"], role=Role.OFFICER)
    tree["tel"].is_active = False
    tree["tel"].save(update_fields=["is_active"])
    assert list(department_list_visible(user=officer)) == []


def test_scope_is_one_query_however_deep_the_tree(tree, django_assert_num_queries):
    officer = member(department=tree["root"], role=Role.OFFICER)
    with django_assert_num_queries(1):
        assert len(list(department_list_visible(user=officer))) == 5
