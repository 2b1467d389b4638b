"""Domain words said once: the unit else the department, the ticket-number shape, and a department's
name in Hindi else English."""

import pytest
from django.template import Context, Template

from departments.models import Department
from tests.ingestion.factories import BSNL, tweet_id_of, v2_tweet
from tickets.models import Ticket, TicketMessage, scope_department_sql
from tickets.numbering import format_number, ticket_number_is_valid
from tickets.selectors import ticket_filter_text


def test_a_ticket_is_governed_by_its_unit_else_its_department():
    assert Ticket(department_id=1, unit_id=2).scope_department_id == 2
    assert Ticket(department_id=1, unit_id=None).scope_department_id == 1
    assert scope_department_sql("t") == "COALESCE(t.unit_id, t.department_id)"


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        (format_number("BSNL", "2612", 1), True),
        (format_number("BSNL_KL", "2612", 1_000_000), True),  # a code as prefix; the sequence widened
        ("BSNL-2612-00001", False),
        ("BSNL-2612-000001\n", False),
        ("bsnl-2612-000001", False),  # stored upper case; callers normalise first
    ],
)
def test_one_shape_of_ticket_number(number, valid):
    assert ticket_number_is_valid(number) is valid


@pytest.mark.django_db
def test_the_search_box_finds_every_number_the_numbering_makes(ingest_lines):
    page = v2_tweet("@BSNLCorporate broadband down for a week in Kochi #BSNLSeva", mentions=[BSNL])
    ingest_lines(page)
    ticket = TicketMessage.objects.get(tweet_id=int(tweet_id_of(page))).ticket
    number = format_number("BSNL_KL", "2612", 1_000_000)
    Ticket.objects.filter(pk=ticket.pk).update(number=number)
    assert list(ticket_filter_text(Ticket.objects.all(), number.lower())) == [ticket]


@pytest.mark.parametrize(
    ("name_hi", "language", "shown"),
    [
        ("डाक विभाग", "hi", "डाक विभाग"),
        ("डाक विभाग", "hi-in", "डाक विभाग"),
        ("", "hi", "Posts"),
        ("डाक विभाग", "en", "Posts"),
    ],
)
def test_a_department_is_named_in_hindi_else_english(name_hi, language, shown):
    department = Department(code="POSTS", name_en="Posts", name_hi=name_hi)
    assert department.name_in(language) == shown
    template = Template("{% load department_names %}{{ department|name_in:language }}")
    assert template.render(Context({"department": department, "language": language})) == shown
