"""Business times: each answered or resolved ticket gets the working seconds from its creation to
its first response and to its resolution, by its governing calendar; a changed timestamp is counted again."""

import pytest
from django.db import IntegrityError, transaction

from tests.factories.tickets import TicketFactory
from tests.tickets.sla.conftest import ist
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.sla.business_times import ticket_business_times_fill, ticket_business_times_fill_batch

pytestmark = pytest.mark.django_db

HOUR = 3600


def _figures(ticket) -> tuple[int | None, int | None]:
    ticket.refresh_from_db()
    return ticket.first_response_business_seconds, ticket.resolution_business_seconds


def test_times_count_working_hours_only_across_a_weekend_and_a_holiday(tree):
    # Office hours 09:30-13:00 and 14:00-18:00 on weekdays, 09:30-13:00 on Saturdays; the unit's
    # calendar has a holiday on Wednesday 18 November.
    ticket = TicketFactory(
        department=tree["department"],
        unit=tree["unit"],
        status=Status.RESOLVED,
        created_at=ist(2026, 11, 17, 16, 30),  # Tuesday, an hour before closing
        first_responded_at=ist(2026, 11, 19, 10, 0),  # Thursday: the holiday counts nothing
        resolved_at=ist(2026, 11, 23, 10, 30),  # the next Monday: Sunday counts nothing
    )
    assert ticket_business_times_fill() == 1
    first_response, resolution = _figures(ticket)
    assert first_response == 2 * HOUR  # Tuesday 16:30-18:00, Thursday 09:30-10:00
    # Tuesday 1.5 h, Thursday and Friday 7.5 h each, Saturday 3.5 h, Monday 1 h.
    assert resolution == int((1.5 + 7.5 + 7.5 + 3.5 + 1) * HOUR)


def test_a_department_without_a_unit_counts_by_its_inherited_calendar(tree):
    ticket = TicketFactory(
        department=tree["department"],
        status=Status.IN_PROGRESS,
        created_at=ist(2026, 11, 17, 16, 30),
        first_responded_at=ist(2026, 11, 18, 10, 0),  # no holiday in the ministry's calendar
    )
    ticket_business_times_fill()
    assert _figures(ticket) == (2 * HOUR, None)


def test_a_reopened_ticket_resolved_again_is_counted_from_its_new_resolution(tree):
    ticket = TicketFactory(
        department=tree["department"],
        status=Status.RESOLVED,
        created_at=ist(2026, 11, 16, 9, 30),
        first_responded_at=ist(2026, 11, 16, 10, 30),
        resolved_at=ist(2026, 11, 16, 11, 30),
    )
    ticket_business_times_fill()
    assert _figures(ticket) == (HOUR, 2 * HOUR)

    Ticket.objects.filter(pk=ticket.pk).update(status=Status.REOPENED, resolved_at=None)
    assert _figures(ticket) == (HOUR, None)  # the trigger cleared the stale figure
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED, resolved_at=ist(2026, 11, 17, 10, 0))
    assert _figures(ticket) == (HOUR, None)
    assert ticket_business_times_fill() == 1
    assert _figures(ticket) == (HOUR, 8 * HOUR)  # Monday's 7.5 h and Tuesday's first half hour


def test_a_fill_takes_a_fixed_number_of_queries_and_leaves_nothing_behind(tree, django_assert_num_queries):
    TicketFactory.create_batch(
        30,
        department=tree["department"],
        status=Status.IN_PROGRESS,
        created_at=ist(2026, 11, 16, 9, 30),
        first_responded_at=ist(2026, 11, 16, 10, 0),
    )
    with django_assert_num_queries(5):  # savepoint, the locked read, the calendars, the update, release
        assert ticket_business_times_fill_batch() == 30
    assert ticket_business_times_fill_batch() == 0
    assert set(Ticket.objects.values_list("first_response_business_seconds", flat=True)) == {HOUR // 2}


def test_a_figure_without_its_timestamp_is_refused(tree):
    ticket = TicketFactory(department=tree["department"], status=Status.NEW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(first_response_business_seconds=60)
