"""The SLA configuration's admin (tickets/admin.py): calendars and policies."""

from django.urls import reverse

from departments.models import BusinessCalendar, SlaPolicy
from tests.factories import UserFactory
from tests.tickets.sla.conftest import ist
from tickets.lifecycle import Priority


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
