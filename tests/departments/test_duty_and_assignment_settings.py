"""Officers on and off duty (membership_duty_set) and how a department's assignment mode and
per-officer cap are inherited down the tree (department_assignment_settings)."""

import pytest
from django.core.exceptions import PermissionDenied

from departments.models import AssignmentMode, Membership, Role
from departments.selectors import department_assignment_settings, user_on_duty
from departments.services import membership_duty_set
from tests.factories import DepartmentFactory, member
from tickets.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db


def test_going_off_duty_switches_every_officer_membership_with_one_event():
    one, two = DepartmentFactory(code="ONE"), DepartmentFactory(code="TWO")
    officer = member(department=one, role=Role.OFFICER)
    Membership.objects.create(user=officer, department=two, role=Role.OFFICER)
    supervising = Membership.objects.create(user=officer, department=two, role=Role.SUPERVISOR)

    assert membership_duty_set(actor=officer, on_duty=False) == 2

    assert user_on_duty(user=officer) is False
    supervising.refresh_from_db()
    assert supervising.on_duty  # a supervisor's membership is given no tickets anyway
    event = AuditEvent.objects.get(kind=EventKind.DUTY_CHANGED)
    assert (event.actor, event.ticket) == (officer, None)
    assert event.data["departments"] == ["ONE", "TWO"]
    assert event.data["on_duty"] is False
    assert membership_duty_set(actor=officer, on_duty=False) == 0  # nothing changed, nothing written
    assert AuditEvent.objects.filter(kind=EventKind.DUTY_CHANGED).count() == 1


def test_someone_who_is_no_officer_has_no_duty_to_switch():
    supervisor = member(department=DepartmentFactory(), role=Role.SUPERVISOR)
    assert user_on_duty(user=supervisor) is None
    with pytest.raises(PermissionDenied):
        membership_duty_set(actor=supervisor, on_duty=True)


def test_the_mode_and_the_cap_come_from_the_nearest_department_that_sets_them(settings):
    settings.SEVA_MAX_OPEN_PER_OFFICER = 25
    root = DepartmentFactory(code="ROOT")
    auto = DepartmentFactory(code="AUTO", parent=root, assignment_mode=AssignmentMode.AUTO, max_open_per_officer=7)
    unit = DepartmentFactory(code="AUTO_KL", parent=auto, is_unit=True)
    manual_unit = DepartmentFactory(code="AUTO_MH", parent=auto, is_unit=True, assignment_mode=AssignmentMode.MANUAL)
    closed = DepartmentFactory(code="AUTO_TN", parent=auto, is_unit=True, is_active=False)

    found = department_assignment_settings()

    assert (found[root.pk].mode, found[root.pk].max_open_per_officer) == (AssignmentMode.MANUAL, 25)
    assert (found[auto.pk].mode, found[auto.pk].max_open_per_officer) == (AssignmentMode.AUTO, 7)
    assert (found[unit.pk].mode, found[unit.pk].max_open_per_officer) == (AssignmentMode.AUTO, 7)
    assert found[manual_unit.pk].mode == AssignmentMode.MANUAL
    assert found[closed.pk].mode == AssignmentMode.MANUAL  # an inactive unit hands out nothing
    assert department_assignment_settings(department_ids=[unit.pk]) == {unit.pk: found[unit.pk]}
