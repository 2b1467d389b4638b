"""The SLA configuration's admin (tickets/admin.py): calendars and policies, saved and deleted
through the services, each change one CONFIG_CHANGED event."""

import pytest
from django.urls import reverse

from departments.models import BusinessCalendar, Holiday, SlaPolicy
from tests.factories import UserFactory
from tests.factories.tickets import SlaPolicyFactory
from tests.tickets.sla.conftest import ist
from tickets.lifecycle import Priority
from tickets.models import AuditEvent, EventKind
from tickets.sla.targets import sla_due_times


def test_saving_a_policy_in_the_admin_moves_due_times(tree, open_ticket, client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    policy = SlaPolicy.objects.get(department=tree["ministry"], priority=Priority.P3)
    response = client.post(
        reverse("admin:departments_slapolicy_change", args=[policy.pk]),
        {"first_response_minutes": 120, "resolution_minutes": 450},
    )
    assert response.status_code == 302, response.content
    open_ticket.refresh_from_db()
    assert open_ticket.first_response_due_at == ist(2026, 11, 16, 11, 30)


def test_the_calendar_admin_edits_periods_and_holidays_inline(tree, client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    calendar = BusinessCalendar.objects.get(department=tree["unit"])
    response = client.get(reverse("admin:departments_businesscalendar_change", args=[calendar.pk]))
    assert response.status_code == 200
    assert b'name="periods-TOTAL_FORMS"' in response.content
    assert b'name="holidays-TOTAL_FORMS"' in response.content


def config_events():
    return AuditEvent.objects.filter(kind=EventKind.CONFIG_CHANGED).order_by("id")


@pytest.fixture
def department_admin_client(client, settings, department_admin):
    settings.SEVA_2FA_REQUIRED_ROLES = ()  # two-factor sign-in is tested in tests/accounts
    client.force_login(department_admin)
    return client


def inline_rows(prefix: str, rows: list[dict]) -> dict:
    """An inline formset's POST data: `rows` with an "id" are stored ones, the rest new."""
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": sum("id" in row for row in rows)}
    for index, row in enumerate(sorted(rows, key=lambda row: "id" not in row)):
        data.update({f"{prefix}-{index}-{field}": value for field, value in row.items()})
    return data


def test_the_calendar_admin_edit_is_one_audited_event(tree, department_admin_client, department_admin):
    calendar = BusinessCalendar.objects.get(department=tree["unit"])
    periods = [
        {"id": p.pk, "weekday": p.weekday, "starts": f"{p.starts:%H:%M}", "ends": f"{p.ends:%H:%M}"}
        for p in calendar.periods.all()
    ]
    saturday = next(row for row in periods if row["weekday"] == 5)
    saturday["DELETE"] = "on"
    monday_afternoon = next(row for row in periods if row["weekday"] == 0 and row["starts"] == "14:00")
    monday_afternoon["ends"] = "17:00"
    (holiday,) = calendar.holidays.all()
    holidays = [
        {"id": holiday.pk, "date": "2026-11-18", "name": holiday.name, "kind": holiday.kind, "DELETE": "on"},
        {"date": "2026-11-19", "name": "State holiday", "kind": "state"},
    ]
    response = department_admin_client.post(
        reverse("admin:departments_businesscalendar_change", args=[calendar.pk]),
        {
            "department": tree["unit"].pk,
            "name": "Kerala circle",
            "timezone": "Asia/Kolkata",
            **inline_rows("periods", periods),
            **inline_rows("holidays", holidays),
        },
    )
    assert response.status_code == 302, response.content
    (event,) = config_events()
    added = Holiday.objects.get(calendar=calendar)
    assert event.actor_id == department_admin.pk
    assert (event.data["object_id"], event.data["action"]) == (calendar.pk, "change")
    assert event.data["changes"] == {"name": ["TEL_KL calendar", "Kerala circle"]}
    assert event.data["related"] == {
        "periods": {
            "added": [],
            "changed": [{"id": monday_afternoon["id"], "changes": {"ends": ["18:00:00", "17:00:00"]}}],
            "removed": [{"id": saturday["id"], "weekday": 5, "starts": "09:30:00", "ends": "13:00:00"}],
        },
        "holidays": {
            "added": [{"id": added.pk, "date": "2026-11-19", "name": "State holiday", "kind": "state"}],
            "changed": [],
            "removed": [{"id": holiday.pk, "date": "2026-11-18", "name": holiday.name, "kind": holiday.kind}],
        },
    }
    assert calendar.periods.count() == len(periods) - 1
    # Tuesday 17:00: Wednesday is a working day now and Thursday the holiday.
    assert sla_due_times(department_id=tree["unit"].id, priority=Priority.P3, start=ist(2026, 11, 17, 17, 0)) == (
        ist(2026, 11, 17, 18, 0),
        ist(2026, 11, 18, 17, 0),
    )


def test_a_department_admin_cannot_save_a_policy_of_another_department(tree, department_admin_client):
    policy = SlaPolicy.objects.get(department=tree["ministry"], priority=Priority.P3)
    department_admin_client.post(
        reverse("admin:departments_slapolicy_change", args=[policy.pk]),
        {"first_response_minutes": 5, "resolution_minutes": 10},
    )
    response = department_admin_client.post(
        reverse("admin:departments_slapolicy_add"),
        {"department": tree["ministry"].pk, "priority": "p1", "first_response_minutes": 5, "resolution_minutes": 10},
    )
    assert response.status_code == 200
    assert "department" in response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert (policy.first_response_minutes, policy.resolution_minutes) == (60, 450)
    assert not SlaPolicy.objects.filter(department=tree["ministry"], priority=Priority.P1).exists()
    assert not config_events().exists()


def test_bulk_deleting_policies_and_calendars_writes_an_event_each(tree, department_admin_client):
    policies = [
        SlaPolicyFactory(department=tree["department"], priority=Priority.P2),
        SlaPolicy.objects.get(department=tree["unit"], priority=Priority.P1),
    ]
    response = department_admin_client.post(
        reverse("admin:departments_slapolicy_changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in policies], "post": "yes"},
    )
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(department=tree["unit"])
    response = department_admin_client.post(
        reverse("admin:departments_businesscalendar_changelist"),
        {"action": "delete_selected", "_selected_action": [calendar.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not SlaPolicy.objects.filter(pk__in=[p.pk for p in policies]).exists()
    assert not BusinessCalendar.objects.filter(pk=calendar.pk).exists()
    deleted = sorted((e.data["model"], e.data["object_id"], e.data["action"]) for e in config_events())
    assert deleted == sorted(
        [
            *(("departments.slapolicy", p.pk, "delete") for p in policies),
            ("departments.businesscalendar", calendar.pk, "delete"),
        ]
    )


def test_a_calendar_added_in_the_admin_is_one_event_with_its_periods(tree, department_admin_client):
    response = department_admin_client.post(
        reverse("admin:departments_businesscalendar_add"),
        {
            "department": tree["department"].pk,
            "name": "Telecom calendar",
            "timezone": "Asia/Kolkata",
            **inline_rows("periods", [{"weekday": 0, "starts": "10:00", "ends": "16:00"}]),
            **inline_rows("holidays", []),
        },
    )
    assert response.status_code == 302, response.content
    calendar = BusinessCalendar.objects.get(department=tree["department"])
    (period,) = calendar.periods.all()
    (event,) = config_events()
    assert (event.data["object_id"], event.data["action"]) == (calendar.pk, "add")
    assert event.data["changes"]["name"] == [None, "Telecom calendar"]
    assert event.data["related"] == {
        "periods": {
            "added": [{"id": period.pk, "weekday": 0, "starts": "10:00:00", "ends": "16:00:00"}],
            "changed": [],
            "removed": [],
        }
    }
