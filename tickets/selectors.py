"""Reads of tickets. Every one starts from `Ticket.objects.visible_to(user)`."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Avg, BooleanField, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import CannedResponse, Department, OfficialAccount, Role, department_name_in
from departments.selectors import (
    department_ids_in_scope_sql,
    department_ministry_id_sql,
    user_is_ministry_admin_of,
    user_ministry_ids,
)
from tickets.lifecycle import OPEN_STATUSES, Priority, Status
from tickets.models import (
    AuditEvent,
    Category,
    Delivery,
    Escalation,
    Feedback,
    Incident,
    PreviousTweetVersion,
    Ticket,
    TicketMessage,
    ticket_breached_q,  # noqa: F401 - the breach rule, read from here by the report's tests
)
from tickets.numbering import ticket_number_is_valid, ticket_number_normalised
from tickets.posting_budget import PostingBudget, posting_budget_get, posting_budgets_get

_TWEET_URL = re.compile(r"(?:twitter\.com|x\.com)/(?:[^/]+|i/web)/status(?:es)?/(\d{1,19})")
# PostgreSQL's bigint: a larger id or tweet id cannot exist, and comparing with one is an error.
MAX_BIGINT = 2**63 - 1


# A search with at most this many matches reads them by id (ticket_filter_text says why).
SEARCH_FEW_MATCHES = 1000

# The queue's order: breached first, then the next due time, then priority (Ticket.queue_due_at says
# why one key does the first two); served by the index ticket_queue_urgency.
QUEUE_URGENCY_ORDER = ("queue_due_at", "priority", "id")


def tweet_id_from(value: str) -> int | None:
    """A tweet id from a bare id or a tweet's URL; None when it is neither."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 19:
        tweet_id = int(value)
    else:
        match = _TWEET_URL.search(value)
        tweet_id = int(match.group(1)) if match else None
    return tweet_id if tweet_id is not None and tweet_id <= MAX_BIGINT else None


def ticket_list(*, user) -> QuerySet[Ticket]:
    """The tickets `user` may see, filtered; newest first, with what the list shows joined in."""
    tickets = Ticket.objects.visible_to(user).select_related("department", "unit", "assigned_to")
    return tickets.order_by("-id")


@dataclass(frozen=True)
class UrgencyCursor:
    """Where a page of the queue's urgency order ends: the last ticket's sort key."""

    due_at: datetime
    priority: str
    id: int

    def encode(self) -> str:
        return f"{self.due_at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%f')}~{self.priority}~{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> "UrgencyCursor | None":
        """None for anything not made by encode() (the page then starts from the top)."""
        parts = (value or "").split("~")
        if len(parts) != 3 or parts[1] not in Priority.values or not (parts[2].isascii() and parts[2].isdigit()):
            return None
        try:
            due_at = datetime.strptime(parts[0], "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
        except ValueError:
            return None
        ticket_id = int(parts[2])
        return cls(due_at, parts[1], ticket_id) if 0 < ticket_id <= MAX_BIGINT else None


def queue_urgency_page(
    *, tickets: QuerySet[Ticket], after: UrgencyCursor | None, size: int
) -> tuple[list[Ticket], UrgencyCursor | None]:
    """One page of the queue in urgency order (breached, next due, priority: QUEUE_URGENCY_ORDER),
    continuing after `after`; and where the next page starts, or None on the last. Keyset on the
    index's own columns, compared as one row so the index serves the continuation too."""
    if after is not None:
        tickets = tickets.filter(
            RawSQL(
                '("tickets_ticket"."queue_due_at", "tickets_ticket"."priority", "tickets_ticket"."id") > (%s, %s, %s)',
                (after.due_at, after.priority, after.id),
                output_field=BooleanField(),
            )
        )
    rows = list(tickets.order_by(*QUEUE_URGENCY_ORDER)[: size + 1])
    if len(rows) > size:
        last = rows[size - 1]
        return rows[:size], UrgencyCursor(last.queue_due_at, last.priority, last.id)
    return rows, None


def ticket_filter_department(tickets: QuerySet[Ticket], code: str) -> QuerySet[Ticket]:
    department = Department.objects.filter(code__iexact=code).only("id", "is_unit").first()
    if department is None:
        return tickets.none()
    return tickets.filter(unit_id=department.id) if department.is_unit else tickets.filter(department_id=department.id)


def ticket_filter_tweet(tickets: QuerySet[Ticket], tweet_id: int) -> QuerySet[Ticket]:
    # The current version's message, or the message an earlier version's id points at; read first
    # (one query, both by unique keys), so the page is read by id, not by walking the queue's order
    # testing each ticket against a subquery.
    holding = (
        TicketMessage.objects.filter(tweet_id=tweet_id)
        .values_list("ticket_id", flat=True)
        .union(PreviousTweetVersion.objects.filter(tweet_id=tweet_id).values_list("message__ticket_id", flat=True))
    )
    return tickets.filter(id__in=list(holding))


def ticket_filter_text(tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    text = text.strip()
    if ticket_number_is_valid(text.upper()):
        return tickets.filter(number=text.upper())
    # Every message of the ticket (the citizen's follow-ups, officers' replies), not just the subject:
    # the search document the triggers of migration 0012 keep on the ticket, GIN-indexed.
    matching = RawSQL(
        '"tickets_ticket"."search_document" @@ websearch_to_tsquery(\'simple\'::regconfig, %s)',
        (text,),
        output_field=BooleanField(),
    )
    # The planner cannot know how many matches the other filters keep: for a rare word it may walk
    # the whole queue's order looking for one. So first ask the GIN index alone (one query; only ids,
    # which are then read through `tickets`, so through visible_to) for up to SEARCH_FEW_MATCHES: if
    # that is all there are, the page is read by their ids.
    ids = list(Ticket.objects.filter(matching).values_list("id", flat=True)[: SEARCH_FEW_MATCHES + 1])
    return tickets.filter(id__in=ids) if len(ids) <= SEARCH_FEW_MATCHES else tickets.filter(matching)


def ticket_get(*, user, number: str) -> Ticket:
    """One ticket with its messages and events; Ticket.DoesNotExist when absent or not visible."""
    if not ticket_number_is_valid(number):
        raise Ticket.DoesNotExist
    return (
        Ticket.objects.visible_to(user)
        .select_related("department", "unit", "assigned_to", "reply_account", "category")
        .prefetch_related(
            Prefetch("messages", queryset=TicketMessage.objects.select_related("from_account", "sent_by")),
            Prefetch("events", queryset=AuditEvent.objects.select_related("actor").order_by("id")),
        )
        .get(number=number)
    )


def staff_user_find(*, reference: int | str) -> User | None:
    """A user by id (digits) or username."""
    value = str(reference).strip()
    if value.isascii() and value.isdigit():
        return User.objects.filter(pk=int(value)).first() if int(value) <= MAX_BIGINT else None
    return User.objects.filter(username=value).first() if value else None


def department_find(*, code: str) -> Department | None:
    code = code.strip()
    return Department.objects.filter(code__iexact=code).first() if code else None


def escalation_list(*, user) -> QuerySet[Escalation]:
    """Escalations whose notify department is in the user's scope, newest first."""
    escalations = Escalation.objects.select_related(
        "ticket", "ticket__department", "notify_department", "acknowledged_by"
    ).order_by("-id")
    if user.is_superuser:
        return escalations
    scope = department_ids_in_scope_sql(user=user)
    # And whose ticket is still theirs to see: a transferred ticket's old escalations leave the queue.
    return escalations.filter(
        Q(notify_department_id__in=scope) & (Q(ticket__department_id__in=scope) | Q(ticket__unit_id__in=scope))
    )


def canned_response_list(*, user) -> QuerySet[CannedResponse]:
    """The canned responses of the departments in the user's scope."""
    responses = CannedResponse.objects.select_related("department").order_by("-id")
    if user.is_superuser:
        return responses
    return responses.filter(department_id__in=department_ids_in_scope_sql(user=user))


def ticket_feedback_list(*, user, number: str) -> QuerySet[Feedback]:
    """The ratings of one ticket; Ticket.DoesNotExist when it is absent or not visible."""
    if not ticket_number_is_valid(number):
        raise Ticket.DoesNotExist
    ticket_id = Ticket.objects.visible_to(user).values_list("id", flat=True).get(number=number)
    return Feedback.objects.filter(ticket_id=ticket_id).order_by("-id")


RATINGS = range(1, 6)


def feedback_summary(*, user, department_code: str | None = None) -> list[dict]:
    """Per department of the visible tickets (one, given a department or unit code): how many ratings,
    their average and how many of each 1-5. One aggregate query."""
    tickets = Ticket.objects.visible_to(user)
    if department_code:
        tickets = ticket_filter_department(tickets, department_code)
    rows = (
        Feedback.objects.filter(ticket__in=tickets)
        .values(department=F("ticket__department__code"))
        .annotate(
            count=Count("id"),
            average=Avg("rating"),
            **{f"rated_{rating}": Count("id", filter=Q(rating=rating)) for rating in RATINGS},
        )
        .order_by("department")
    )
    return [
        {
            "department": row["department"],
            "count": row["count"],
            "average": round(row["average"], 2),
            "distribution": {str(rating): row[f"rated_{rating}"] for rating in RATINGS},
        }
        for row in rows
    ]


def _budget_window(budget: PostingBudget | None, now: datetime) -> dict:
    """One window as the dashboard shows it; all None when X has said nothing of it yet."""
    if budget is None:
        return {"limit": None, "used": None, "left": None, "resets_at": None, "observed_at": None}
    return {
        "limit": budget.limit,
        "used": budget.used(now),
        "left": budget.left(now),
        "resets_at": budget.reset_at if budget.current(now) else None,  # past its reset the window is full
        "observed_at": budget.observed_at,
    }


def posting_budget_overview(*, user, now: datetime) -> dict:
    """What X last said each official account in the user's scope may still post in its 15-minute window,
    and the app in its 24-hour one, with what waits in the outbox per account and kind: two queries
    (the accounts, what waits) and two cache reads."""
    accounts = OfficialAccount.objects.order_by("handle")
    if not user.is_superuser:
        accounts = accounts.filter(department_id__in=department_ids_in_scope_sql(user=user))
    rows = list(accounts.values("id", "handle", department_code=F("department__code")))
    ids = [row["id"] for row in rows]
    waiting: dict[int, dict[str, int]] = {}
    counts = (
        TicketMessage.objects.filter(from_account_id__in=ids, delivery__in=[Delivery.QUEUED, Delivery.SENDING])
        .values("from_account_id", "kind")
        .annotate(count=Count("id"))
        .values_list("from_account_id", "kind", "count")
    )
    for account_id, kind, count in counts if ids else ():
        waiting.setdefault(account_id, {})[kind] = count
    budgets = posting_budgets_get(account_ids=ids) if ids else {}
    return {
        "accounts": [
            {
                "handle": row["handle"],
                "department": row["department_code"],
                **_budget_window(budgets.get(row["id"]), now),
                "waiting": waiting.get(row["id"], {}),
            }
            for row in rows
        ],
        "app": _budget_window(posting_budget_get(account_id=None), now),
    }


# What the public is told of a ticket in each state: fixed phrases, never an officer's free text
# (a rejection reason may name the citizen). Resolved and closed tickets show the resolution note.
PUBLIC_STATUS_NOTES = {
    Status.NEW: _("Received. It is waiting for an officer of the department to take it up."),
    Status.ASSIGNED: _("An officer of the department has been assigned to this complaint."),
    Status.IN_PROGRESS: _("An officer of the department is working on this complaint."),
    Status.AWAITING_CITIZEN: _(
        "The department has asked the citizen for more details on X and is waiting for a reply."
    ),
    Status.RESOLVED: _("The department has resolved this complaint."),
    Status.CLOSED: _("This complaint is closed."),
    Status.REOPENED: _("The complaint was reopened; the department is working on it again."),
    Status.REJECTED: _("Closed without action: the department found it not actionable."),
}
MERGED_STATUS_NOTE = _("This complaint is a duplicate of %(number)s; follow that ticket for updates.")


@dataclass(frozen=True)
class PublicTicketStatus:
    """What anyone may know of a ticket by its number. Its own type, not the Ticket, so no template
    or serializer of a public page can reach the citizen, the tweets or the officers."""

    number: str
    status: str
    department_code: str
    department_name_en: str
    department_name_hi: str
    unit_code: str | None
    unit_name_en: str | None
    unit_name_hi: str | None
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime | None
    first_responded_at: datetime | None
    resolution_due_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution_note: str
    merged_into: str | None
    # The public note of the incident the ticket is part of (an outage: "repair by 6 pm"), or None.
    incident_note: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def open311_status(self) -> str:
        """Open311 knows two states: "closed" once the department is done with it (resolved too)."""
        return "open" if self.is_open else "closed"

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def status_notes(self) -> str:
        if self.merged_into:
            return MERGED_STATUS_NOTE % {"number": self.merged_into}
        if self.status in (Status.RESOLVED, Status.CLOSED) and self.resolution_note:
            # Written by officers to be public: the citizen is sent it on X.
            return self.resolution_note
        return str(PUBLIC_STATUS_NOTES[self.status])

    @property
    def agency_name_en(self) -> str:
        return self.unit_name_en or self.department_name_en

    @property
    def agency_name_hi(self) -> str:
        return self._agency_name_in("hi")

    @property
    def localised_department_name(self) -> str:
        """The department's name in the active language (English where no Hindi name is set)."""
        return department_name_in(get_language(), name_en=self.department_name_en, name_hi=self.department_name_hi)

    @property
    def localised_agency_name(self) -> str:
        return self._agency_name_in(get_language())

    def _agency_name_in(self, language: str | None) -> str:
        name_hi = self.unit_name_hi if self.unit_code else self.department_name_hi
        return department_name_in(language, name_en=self.agency_name_en, name_hi=name_hi)


# The columns PublicTicketStatus is built from, by name: nothing personal is even read.
_PUBLIC_STATUS_COLUMNS = {
    "number": "number",
    "status": "status",
    "department_code": "department__code",
    "department_name_en": "department__name_en",
    "department_name_hi": "department__name_hi",
    "unit_code": "unit__code",
    "unit_name_en": "unit__name_en",
    "unit_name_hi": "unit__name_hi",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "first_response_due_at": "first_response_due_at",
    "first_responded_at": "first_responded_at",
    "resolution_due_at": "resolution_due_at",
    "resolved_at": "resolved_at",
    "closed_at": "closed_at",
    "resolution_note": "resolution_note",
    "merged_into": "merged_into__number",
    "incident_note": "incident__public_note",
}


def ticket_public_status(*, number: str) -> PublicTicketStatus:
    """The public facts of one ticket, for anyone (no `visible_to`: the status page is public by
    design, so this reads only what may be shown). One query; Ticket.DoesNotExist when there is no
    such ticket or `number` is not shaped like one."""
    number = ticket_number_normalised(number)
    if not ticket_number_is_valid(number):
        raise Ticket.DoesNotExist
    row = Ticket.objects.filter(number=number).values_list(*_PUBLIC_STATUS_COLUMNS.values()).get()
    return PublicTicketStatus(**dict(zip(_PUBLIC_STATUS_COLUMNS, row, strict=True)))


def incidents_visible_q(user) -> Q:
    """Incidents of departments and units in the user's scope (the tickets' rule, Ticket.objects.visible_to)."""
    scope = department_ids_in_scope_sql(user=user)
    return Q(department_id__in=scope) | Q(unit_id__in=scope)


def incident_list(*, user) -> QuerySet[Incident]:
    """Incidents of the departments and units in the user's scope, newest first, with how many
    tickets each holds (one query; Incident.tickets_count)."""
    # A count per incident row through the ticket_incident index, not a join of every ticket in
    # incidents grouped by incident (which read the whole table at a million tickets).
    held = (
        Ticket.objects.filter(incident_id=OuterRef("pk"))
        .order_by()
        .values("incident_id")
        .annotate(count=Count("*"))
        .values("count")
    )
    incidents = (
        Incident.objects.select_related("department", "unit", "category")
        .annotate(tickets_count=Coalesce(Subquery(held), 0))
        .order_by("-opened_at", "-id")
    )
    if not user.is_authenticated or not user.is_active:
        return incidents.none()
    return incidents if user.is_superuser else incidents.filter(incidents_visible_q(user))


def incident_get(*, user, incident_id: int) -> Incident | None:
    """One incident the user can see (with its counts), else None."""
    if not 0 < incident_id <= MAX_BIGINT:
        return None
    return incident_list(user=user).select_related("opened_by", "resolved_by").filter(pk=incident_id).first()


# --- Categories: shared by every ministry (no ministry) or one ministry's -------------------------


def category_list_for(*, department_id: int) -> QuerySet[Category]:
    """The categories a ticket, triage rule or incident of `department_id` (or of a unit below it)
    may have: the shared ones and its ministry's, by English name."""
    ministry = department_ministry_id_sql(department_id=department_id)
    return Category.objects.filter(Q(ministry__isnull=True) | Q(ministry_id__in=ministry)).order_by("name_en")


def category_list_administered(*, user) -> QuerySet[Category]:
    """The categories the admin shows `user`: the shared ones and those of each ministry they
    administer a department of (to choose from in their rules); every one to a superuser."""
    if user.is_superuser:
        return Category.objects.all()
    ministries = user_ministry_ids(user=user, roles=[Role.DEPARTMENT_ADMIN])
    return Category.objects.filter(Q(ministry__isnull=True) | Q(ministry_id__in=ministries))


def category_administered_by(*, actor, category: Category) -> bool:
    """Whether `actor` may edit or delete `category`: a superuser any; a ministry's admin (on its
    root) that ministry's; a shared one only a superuser, since every ministry uses it."""
    if actor.is_superuser:
        return actor.is_active
    return category.ministry_id is not None and user_is_ministry_admin_of(
        user=actor, ministry_ids=[category.ministry_id]
    )
