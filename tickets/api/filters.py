from datetime import UTC

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from tickets.lifecycle import OPEN_STATUSES, Priority, Status
from tickets.models import OTHER_CATEGORY, Ticket, ticket_breached_q
from tickets.selectors import (
    ticket_filter_department,
    ticket_filter_text,
    ticket_filter_tweet,
    tweet_id_from,
)

ORDERING_NEWEST = "newest"
ORDERING_URGENCY = "urgency"


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time, compared in UTC: Python takes offsets up to 23:59 but PostgreSQL only up to
    15:59, so "+22:22" would reach the database as an error. A time that has no UTC equivalent
    (year 9999 west of Greenwich) is bad input."""

    def __init__(self, *args, query_name: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.query_name = query_name

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                message = _("Give a time between the years 1 and 9999.")
                raise ValidationError({self.query_name: [message]}) from None
        return super().filter(qs, value)


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    department = django_filters.CharFilter(method="filter_department", help_text=_("Department or unit code"))
    unit = django_filters.CharFilter(method="filter_department", help_text=_("Unit code"))
    assigned_to = django_filters.CharFilter(method="filter_assigned_to", help_text=_("A user id, or 'me'"))
    unassigned = django_filters.BooleanFilter(method="filter_unassigned", help_text=_("Open and nobody's yet"))
    escalated = django_filters.BooleanFilter(method="filter_escalated")
    breached = django_filters.BooleanFilter(method="filter_breached")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte", query_name="created_after")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt", query_name="created_before")
    category = django_filters.CharFilter(method="filter_category", help_text=_('A category\'s code, or "other"'))
    tweet = django_filters.CharFilter(method="filter_tweet", help_text=_("A tweet id or URL"))
    incident = django_filters.NumberFilter(
        field_name="incident_id", min_value=1, max_value=2**63 - 1, help_text=_("An incident id: its tickets")
    )
    q = django_filters.CharFilter(
        method="filter_text", help_text=_("Words of any message of the ticket (or its subject), or a ticket number")
    )
    # Read by the pagination (tickets.api.views.TicketCursorPagination), which orders the page; here
    # so a wrong value is a 400 and the schema lists the choices.
    ordering = django_filters.ChoiceFilter(
        choices=[
            (ORDERING_NEWEST, _("Newest first (the default)")),
            (ORDERING_URGENCY, _("Breached first, then by the next due time, then priority")),
        ],
        method="filter_ordering",
        help_text=_("newest (default) or urgency"),
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_department(self, queryset, name, value):
        return ticket_filter_department(queryset, value)

    def filter_assigned_to(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assigned_to=self.request.user)
        if not (value.isascii() and value.isdigit()):
            raise ValidationError({"assigned_to": [_("Give a user id or 'me'.")]})
        return queryset.filter(assigned_to_id=int(value))

    def filter_unassigned(self, queryset, name, value):
        return queryset.filter(assigned_to__isnull=True, status__in=OPEN_STATUSES) if value else queryset

    def filter_escalated(self, queryset, name, value):
        return queryset.filter(escalation_level__gt=0) if value else queryset.filter(escalation_level=0)

    def filter_breached(self, queryset, name, value):
        late = ticket_breached_q(timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_category(self, queryset, name, value):
        if value == OTHER_CATEGORY:
            return queryset.filter(category__isnull=True)
        return queryset.filter(category_id=value)

    def filter_tweet(self, queryset, name, value):
        tweet_id = tweet_id_from(value)
        if tweet_id is None:
            raise ValidationError({"tweet": [_("Give a tweet id or a link to a tweet.")]})
        return ticket_filter_tweet(queryset, tweet_id)

    def filter_ordering(self, queryset, name, value):
        return queryset

    def filter_text(self, queryset, name, value):
        return ticket_filter_text(queryset, value)
