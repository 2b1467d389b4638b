"""The workspace's forms: what each action takes, shaped for HTML. They check the shape of the input
only; whether the action is allowed, and what a missing note means, is the services' to say (their
errors are put on these forms by `form_add_service_error`)."""

from datetime import UTC, datetime

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from accounts.models import User
from departments.models import CannedResponse, Department
from departments.states import STATE_CHOICES
from seva.errors import AppError
from tickets.api.filters import TicketFilter, UtcIsoDateTimeFilter
from tickets.lifecycle import OPEN_STATUSES, TRANSITIONS, Priority, Status
from tickets.models import OTHER_CATEGORY, QUEUE_CLOSED_AT, Category, Escalation, Feedback
from tickets.selectors import ticket_filter_text, ticket_filter_tweet, tweet_id_from
from tickets.triage.rules import REASON_MAX_LENGTH

TEXTAREA_ROWS = 4


# The queue's status choice that shows every ticket; no choice shows the open ones.
ANY_STATUS = "all"


# The resolution target of a ticket due: met (resolved by it), waiting (unresolved, the clock paused
# on the citizen before it) or missed (neither). Rejected tickets have no target to meet. The rollup's
# triggers (migration 0016) count due_met and due_waiting by the same rule.
SLA_MET, SLA_WAITING, SLA_MISSED = "met", "waiting", "missed"
SLA_OUTCOMES = [
    (SLA_MET, _("Resolved within the target")),
    (SLA_WAITING, _("Waiting on the citizen")),
    (SLA_MISSED, _("Target missed")),
]


def _in_utc(name: str, value):
    """A filter's time in UTC (UtcIsoDateTimeFilter says why); other values as they are."""
    if not isinstance(value, datetime):
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValidationError({name: [_("Give a time between the years 1 and 9999.")]}) from None


def sla_outcome_q(outcome: str) -> Q:
    due = Q(resolution_due_at__isnull=False) & ~Q(status=Status.REJECTED)
    met = Q(resolved_at__lte=F("resolution_due_at"))
    waiting = Q(resolved_at__isnull=True, sla_paused_at__lte=F("resolution_due_at"))
    if outcome == SLA_MET:
        return due & met
    if outcome == SLA_WAITING:
        return due & waiting
    return due & ~met & ~waiting


class QueueFilter(TicketFilter):
    """The API's ticket filters, plus what the queue's quick filters need. Unlike the API, the queue
    shows open tickets unless a status (or any status) is chosen: it is the work to do."""

    status = django_filters.MultipleChoiceFilter(
        choices=[(ANY_STATUS, _("Any status")), *Status.choices], method="filter_status"
    )
    search = django_filters.CharFilter(method="filter_search")
    # What the dashboard's figures link to (tickets.dashboard.links): each figure's exact tickets.
    resolved_after = UtcIsoDateTimeFilter(field_name="resolved_at", lookup_expr="gte", query_name="resolved_after")
    resolved_before = UtcIsoDateTimeFilter(field_name="resolved_at", lookup_expr="lt", query_name="resolved_before")
    responded_after = UtcIsoDateTimeFilter(
        field_name="first_responded_at", lookup_expr="gte", query_name="responded_after"
    )
    responded_before = UtcIsoDateTimeFilter(
        field_name="first_responded_at", lookup_expr="lt", query_name="responded_before"
    )
    due_after = UtcIsoDateTimeFilter(field_name="resolution_due_at", lookup_expr="gte", query_name="due_after")
    due_before = UtcIsoDateTimeFilter(field_name="resolution_due_at", lookup_expr="lt", query_name="due_before")
    sla = django_filters.MultipleChoiceFilter(choices=SLA_OUTCOMES, method="filter_sla")
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, field_name="unit__state_code")
    escalation_level = django_filters.ChoiceFilter(choices=Escalation.Level.choices, method="filter_together")
    escalation_reason = django_filters.ChoiceFilter(choices=Escalation.Reason.choices, method="filter_together")
    escalated_after = UtcIsoDateTimeFilter(method="filter_together", query_name="escalated_after")
    escalated_before = UtcIsoDateTimeFilter(method="filter_together", query_name="escalated_before")
    rating = django_filters.MultipleChoiceFilter(
        choices=[(str(value), str(value)) for value in range(1, 6)], method="filter_together"
    )
    rated_after = UtcIsoDateTimeFilter(method="filter_together", query_name="rated_after")
    rated_before = UtcIsoDateTimeFilter(method="filter_together", query_name="rated_before")

    def filter_queryset(self, queryset):
        chosen = set(self.form.cleaned_data.get("status") or [])
        if not chosen - OPEN_STATUSES:
            # Open tickets, said as a range of the urgency index (Ticket.queue_due_at is before
            # QUEUE_CLOSED_AT exactly when the ticket is open): its scan ends where closed tickets
            # begin, however few open ones match the other filters, and the planner counts them right.
            queryset = queryset.filter(queue_due_at__lt=QUEUE_CLOSED_AT)
        return self._filter_escalated_and_rated(super().filter_queryset(queryset))

    def filter_together(self, queryset, name, value):
        # Applied as one condition each (an escalation of this level, for this reason, raised then;
        # a rating of these values, given then), in _filter_escalated_and_rated.
        return queryset

    def _filter_escalated_and_rated(self, queryset):
        data = self.form.cleaned_data
        escalation = {
            key: _in_utc(name, data[name])
            for name, key in (
                ("escalation_level", "level"),
                ("escalation_reason", "reason"),
                ("escalated_after", "raised_at__gte"),
                ("escalated_before", "raised_at__lt"),
            )
            if data.get(name) not in (None, "")
        }
        if escalation:
            queryset = queryset.filter(Exists(Escalation.objects.filter(ticket_id=OuterRef("pk"), **escalation)))
        rating = {
            key: _in_utc(name, data[name])
            for name, key in (("rated_after", "created_at__gte"), ("rated_before", "created_at__lt"))
            if data.get(name) not in (None, "")
        }
        if data.get("rating"):
            rating["rating__in"] = [int(value) for value in data["rating"]]
        if rating:
            queryset = queryset.filter(Exists(Feedback.objects.filter(ticket_id=OuterRef("pk"), **rating)))
        return queryset

    def filter_sla(self, queryset, name, value):
        outcomes = Q()
        for outcome in value:
            outcomes |= sla_outcome_q(outcome)
        return queryset.filter(outcomes) if value else queryset

    def filter_status(self, queryset, name, value):
        return queryset if ANY_STATUS in value else queryset.filter(status__in=value)

    @property
    def shows_closed_only(self) -> bool:
        """Only closed statuses chosen: the urgency order means nothing there, newest first does."""
        chosen = set(self.form.cleaned_data.get("status") or []) if self.is_valid() else set()
        return bool(chosen) and ANY_STATUS not in chosen and not chosen & OPEN_STATUSES

    def filter_search(self, queryset, name, value):
        """One box for a ticket number, a tweet (its id or link) or words of the subject."""
        tweet_id = tweet_id_from(value)
        if tweet_id is not None:
            return ticket_filter_tweet(queryset, tweet_id)
        return ticket_filter_text(queryset, value)


def form_add_service_error(form: forms.Form, error: AppError) -> None:
    """Put a service's error on the form, in the user's language: on the fields it names where the
    form has them, else on top."""
    placed = False
    for name, messages in error.fields.items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, str(error.message))


def _user_label(user: User) -> str:
    return f"{user.display_name} ({user.username})" if user.display_name else user.username


class AssignForm(forms.Form):
    user = forms.ChoiceField(label=_("Officer"))

    def __init__(self, *args, assignees: list[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("Choose an officer")), *((u.pk, _user_label(u)) for u in assignees)]


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(
        label=_("Note or reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS}),
        help_text=_("Resolving needs a resolution note, which the citizen is sent. Rejecting needs a reason."),
    )

    def __init__(self, *args, from_status: str, hidden_statuses: frozenset[str] = frozenset(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(from_status, frozenset()) - hidden_statuses
        self.fields["to"].choices = [
            ("", _("Choose a status")),
            *((value, label) for value, label in Status.choices if value in allowed),
        ]


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"),
        required=False,
        max_length=2800,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Posted on X from the department's account. A long reply becomes a numbered thread."),
    )


class CannedResponsePickForm(forms.Form):
    canned_response = forms.ChoiceField(label=_("Insert a canned response"), required=False)
    language = forms.ChoiceField(label=_("In"), choices=[("en", "English"), ("hi", "हिन्दी")], required=False)

    def __init__(self, *args, responses: list[CannedResponse], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["canned_response"].choices = [
            ("", _("Choose a canned response")),
            *((response.pk, f"{response.title} · {response.department.code}") for response in responses),
        ]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Text of the note"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS}),
        help_text=_("Seen only by staff, never by the citizen."),
    )


class TransferForm(forms.Form):
    department = forms.ChoiceField(label=_("Department"))
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, departments: list[Department], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            ("", _("Choose a department")),
            *((department.code, f"{department.code} · {department.name_en}") for department in departments),
        ]


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Duplicate of ticket"),
        max_length=32,
        required=False,
        help_text=_("This ticket is closed as a duplicate of the one you name."),
        widget=forms.TextInput(attrs={"placeholder": "BSNL-2611-000123", "autocomplete": "off"}),
    )


class TriageForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    category = forms.ChoiceField(
        label=_("Category"),
        # The choices are the ticket's ministry's and the shared ones: another ministry's is not one.
        error_messages={"invalid_choice": _("Choose a category from the list: a shared one or this ministry's.")},
    )
    reason = forms.CharField(
        label=_("Why"),
        required=False,  # the service says that it is needed, in the form's words
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, categories: list[Category], language: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            *(
                (category.code, category.name_in(language))
                for category in categories
                if category.code != OTHER_CATEGORY
            ),
            (OTHER_CATEGORY, _("Other")),
        ]
