"""Reads of tickets. Every one starts from `Ticket.objects.visible_to(user)`."""

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Prefetch, Q, QuerySet

from departments.models import Department
from tickets.models import AuditEvent, Ticket, TicketMessage

_TWEET_URL = re.compile(r"(?:twitter\.com|x\.com)/(?:[^/]+|i/web)/status(?:es)?/(\d{1,19})")
_TICKET_NUMBER = re.compile(r"^[A-Z0-9]+-\d{4}-\d{6}$", re.IGNORECASE)

# The expression the subject's full-text index is built on (see Ticket.Meta.indexes).
SUBJECT_SEARCH_VECTOR = SearchVector("subject", config="simple")


def tweet_id_from(value: str) -> int | None:
    """A tweet id from a bare id or a tweet's URL; None when it is neither."""
    value = value.strip()
    if value.isdigit() and len(value) <= 19:
        return int(value)
    match = _TWEET_URL.search(value)
    return int(match.group(1)) if match else None


def ticket_list(*, user) -> QuerySet[Ticket]:
    """The tickets `user` may see, filtered; newest first, with what the list shows joined in."""
    tickets = Ticket.objects.visible_to(user).select_related("department", "unit", "assigned_to")
    return tickets.order_by("-id")


def ticket_filter_department(tickets: QuerySet[Ticket], code: str) -> QuerySet[Ticket]:
    department = Department.objects.filter(code__iexact=code).only("id", "is_unit").first()
    if department is None:
        return tickets.none()
    return tickets.filter(unit_id=department.id) if department.is_unit else tickets.filter(department_id=department.id)


def ticket_filter_tweet(tickets: QuerySet[Ticket], tweet_id: int) -> QuerySet[Ticket]:
    holding = TicketMessage.objects.filter(
        Q(tweet_id=tweet_id) | (~Q(previous_tweet_ids=[]) & Q(previous_tweet_ids__contains=[tweet_id]))
    ).values("ticket_id")
    return tickets.filter(id__in=holding)


def ticket_filter_text(tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    text = text.strip()
    if _TICKET_NUMBER.match(text):
        return tickets.filter(number=text.upper())
    query = SearchQuery(text, config="simple", search_type="websearch")
    return tickets.annotate(subject_search=SUBJECT_SEARCH_VECTOR).filter(subject_search=query)


def ticket_get(*, user, number: str) -> Ticket:
    """One ticket with its messages and events; Ticket.DoesNotExist when absent or not visible."""
    return (
        Ticket.objects.visible_to(user)
        .select_related("department", "unit", "assigned_to", "reply_account")
        .prefetch_related(
            Prefetch("messages", queryset=TicketMessage.objects.select_related("from_account", "sent_by")),
            Prefetch("events", queryset=AuditEvent.objects.select_related("actor").order_by("id")),
        )
        .get(number=number)
    )
