"""Reads the workspace pages need beyond tickets.selectors. Tickets are read through
`Ticket.objects.visible_to(user)` (via ticket_get and ticket_list) and nothing else."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from departments.models import SUPERVISING_ROLES, WORKING_ROLES, CannedResponse, Department, Membership
from departments.selectors import (
    department_ancestor_ids,
    department_ancestor_map,
    department_ids_in_scope_sql,
    department_ids_transferable_sql,
    department_roles,
)
from tickets.lifecycle import Status
from tickets.models import Category, Escalation, Feedback, InternalNote, SavedFilter, Ticket, TicketMessage
from tickets.reports.figures import REPORTING_ROLES
from tickets.selectors import category_list_for, escalation_list, ticket_get


@dataclass(frozen=True)
class StaffRoles:
    """What the signed-in user holds where: {department id: {role, ...}} from one query, so a page asks
    "may they work this ticket?" of many tickets without a query each."""

    is_superuser: bool
    by_department: dict[int, set[str]]

    def holds(self, department_id: int, roles) -> bool:
        return self.is_superuser or bool(self.by_department.get(department_id, set()) & set(roles))

    @property
    def works_tickets(self) -> bool:
        return self.is_superuser or any(roles & set(WORKING_ROLES) for roles in self.by_department.values())

    @property
    def supervises(self) -> bool:
        """Supervises somewhere (or is a superuser): sees who is on duty."""
        return self.is_superuser or any(roles & set(SUPERVISING_ROLES) for roles in self.by_department.values())

    @property
    def reads_reports(self) -> bool:
        return self.is_superuser or any(roles & REPORTING_ROLES for roles in self.by_department.values())

    def can_work(self, ticket: Ticket) -> bool:
        return self.holds(ticket.scope_department_id, WORKING_ROLES)

    def can_supervise(self, ticket: Ticket) -> bool:
        return self.holds(ticket.scope_department_id, SUPERVISING_ROLES)

    def can_acknowledge(self, escalation: Escalation) -> bool:
        return self.holds(escalation.notify_department_id, SUPERVISING_ROLES)


def staff_roles(*, user: User) -> StaffRoles:
    return StaffRoles(is_superuser=user.is_superuser, by_department=department_roles(user=user))


def queue_page(*, tickets: QuerySet[Ticket], before_id: int | None, size: int) -> tuple[list[Ticket], int | None]:
    """One page of a newest-first ticket list (keyset on id: stable while tickets arrive, and as fast at
    page 100 as at page 1), and the id to continue before, or None on the last page."""
    if before_id is not None:
        tickets = tickets.filter(id__lt=before_id)
    rows = list(tickets.order_by("-id")[: size + 1])
    if len(rows) > size:
        return rows[:size], rows[size - 1].id
    return rows, None


def queue_newest_id() -> int:
    """The newest ticket's id (0 when there are none): where watching for new ones starts. Any ticket,
    not the filtered queue's newest: a filter that keeps none would walk every id to say so, and
    arrivals are read through the filters anyway."""
    return Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0


def queue_arrivals(*, tickets: QuerySet[Ticket], after_id: int, limit: int) -> list[Ticket]:
    """Tickets of the filtered queue that arrived after `after_id`, newest first (one query)."""
    return list(tickets.filter(id__gt=after_id).order_by("-id")[:limit])


@dataclass(frozen=True)
class IncidentRow:
    """An incident as one row of the queue, in place of its tickets (those that match the filters)."""

    incident_id: int
    title: str
    ticket_count: int
    due_at: datetime


def queue_incident_rows(*, tickets: QuerySet[Ticket], limit: int) -> list[IncidentRow]:
    """The incidents the filtered queue's tickets belong to, most urgent first, with how many of their
    tickets match: one grouped query."""
    rows = (
        tickets.filter(incident__isnull=False)
        .order_by()
        .values("incident_id", "incident__title")
        .annotate(ticket_count=Count("id"), due_at=Min("queue_due_at"))
        .order_by("due_at", "incident_id")[:limit]
    )
    return [
        IncidentRow(row["incident_id"], row["incident__title"], row["ticket_count"], row["due_at"]) for row in rows
    ]


@dataclass(frozen=True)
class ThreadItem:
    """One entry of a ticket's conversation: a message (in or out) or a staff-only note."""

    created_at: datetime
    message: TicketMessage | None = None
    note: InternalNote | None = None


# The citizen's earlier tickets on the ticket page, newest first, at most.
CITIZEN_TICKETS_SHOWN = 10


@dataclass(frozen=True)
class TicketPage:
    ticket: Ticket
    thread: list[ThreadItem]
    merged_into_number: str | None
    follows_ticket_number: str | None
    citizen_tickets: list["CitizenTicket"]
    feedback: list[Feedback]


def ticket_page_get(*, user: User, number: str) -> TicketPage:
    """The ticket with its messages, notes and events, and the numbers of the tickets it points to
    (those the user can see). A fixed number of queries, however long the ticket's history.
    Ticket.DoesNotExist when absent or not visible."""
    ticket = ticket_get(user=user, number=number)
    notes = InternalNote.objects.filter(ticket_id=ticket.id).select_related("author").order_by("created_at", "id")
    linked_ids = [ticket_id for ticket_id in (ticket.merged_into_id, ticket.follows_ticket_id) if ticket_id]
    linked = dict(Ticket.objects.visible_to(user).filter(id__in=linked_ids).values_list("id", "number"))
    thread = [ThreadItem(created_at=message.created_at, message=message) for message in ticket.messages.all()]
    thread += [ThreadItem(created_at=note.created_at, note=note) for note in notes]
    thread.sort(key=lambda item: item.created_at)
    return TicketPage(
        ticket=ticket,
        thread=thread,
        merged_into_number=linked.get(ticket.merged_into_id),
        follows_ticket_number=linked.get(ticket.follows_ticket_id),
        citizen_tickets=citizen_earlier_tickets(user=user, ticket=ticket, limit=CITIZEN_TICKETS_SHOWN),
        feedback=ticket_feedback(ticket=ticket),
    )


def ticket_for_action(*, user: User, number: str) -> Ticket:
    """The ticket an action form is about, as the user sees it (Ticket.DoesNotExist otherwise)."""
    return Ticket.objects.visible_to(user).select_related("department", "unit").get(number=number)


def ticket_scope_ancestor_ids(*, ticket: Ticket) -> list[int]:
    """The ticket's unit (else department) and every department above it: whose members work it and
    whose canned responses it may use."""
    return department_ancestor_ids(department_id=ticket.scope_department_id)


def assignee_choices(*, scope_ids: list[int]) -> list[User]:
    """Active staff who may be given a ticket of this scope: a working role on it or above it."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__department_id__in=scope_ids,
            memberships__department__is_active=True,
            memberships__role__in=WORKING_ROLES,
        )
        .distinct()
        .order_by("username")
    )


def canned_response_choices(*, scope_ids: list[int]) -> list[CannedResponse]:
    """The active canned responses a reply on this ticket may use (its unit's, department's or above)."""
    return list(
        CannedResponse.objects.filter(department_id__in=scope_ids, is_active=True)
        .select_related("department")
        .order_by("department__code", "title")
    )


def transfer_department_choices(*, ticket: Ticket, user: User) -> list[Department]:
    """Departments (not units) a ticket may be sent to: every active one of its ministry but its
    own, and those of the other ministries the user administers when they administer the ticket's
    too (ticket_transfer checks the same). One query."""
    transferable = department_ids_transferable_sql(department_id=ticket.department_id, user=user)
    return list(
        Department.objects.filter(is_active=True, is_unit=False, id__in=transferable)
        .exclude(id=ticket.department_id)
        .order_by("code")
    )


@dataclass(frozen=True)
class EscalationDeskPage:
    escalations: list[Escalation]
    total: int  # open escalations in the user's scope, on every page
    next_after: int | None  # the escalation id to continue after, None on the last page


def escalation_desk_page(*, user: User, after_id: int | None, size: int) -> EscalationDeskPage:
    """One page of the unacknowledged escalations in the user's scope, the oldest first (the longest
    waiting is never hidden behind newer ones). Keyset on (raised_at, id) after escalation `after_id`:
    acknowledging rows on one page moves no other row off the next. Two queries."""
    escalations = escalation_list(user=user).filter(acknowledged_at__isnull=True)
    page = escalations.select_related("ticket__unit", "ticket__assigned_to").order_by("raised_at", "id")
    if after_id is not None:
        after = Escalation.objects.filter(id=after_id).values("raised_at")
        page = page.filter(Q(raised_at__gt=Subquery(after)) | Q(raised_at=Subquery(after), id__gt=after_id))
    rows = list(page[: size + 1])
    next_after = rows[size - 1].id if len(rows) > size else None
    return EscalationDeskPage(escalations=rows[:size], total=escalations.count(), next_after=next_after)


def assignee_choices_by_scope(*, scope_ids: set[int]) -> dict[int, list[User]]:
    """`assignee_choices` for many scopes at once (a desk page of tickets): {scope id: its assignees},
    in two queries, however many scopes."""
    ancestors = department_ancestor_map(department_ids=scope_ids)
    department_ids = {department_id for chain in ancestors.values() for department_id in chain}
    holders: dict[int, dict[int, User]] = {}
    memberships = Membership.objects.filter(
        department_id__in=department_ids,
        department__is_active=True,
        role__in=WORKING_ROLES,
        user__is_active=True,
    ).select_related("user")
    for membership in memberships:
        holders.setdefault(membership.department_id, {})[membership.user_id] = membership.user
    choices = {}
    for scope_id, chain in ancestors.items():
        users = {user.pk: user for department_id in chain for user in holders.get(department_id, {}).values()}
        choices[scope_id] = sorted(users.values(), key=lambda user: user.username)
    return choices


def escalation_get(*, user: User, escalation_id: int) -> Escalation:
    """One escalation in the user's scope, for re-drawing its row (Escalation.DoesNotExist otherwise)."""
    return escalation_list(user=user).select_related("ticket__unit", "ticket__assigned_to").get(id=escalation_id)


def department_names(*, codes: list[str]) -> dict[str, Department]:
    return {department.code: department for department in Department.objects.filter(code__in=codes)}


def category_choices(*, ticket: Ticket) -> list[Category]:
    """The categories an officer may give `ticket`: the shared ones and its ministry's, by English name."""
    return list(category_list_for(department_id=ticket.department_id))


def saved_filter_list(*, user: User) -> list[SavedFilter]:
    """The user's own saved filters, by name."""
    return list(SavedFilter.objects.filter(user=user).order_by("name"))


def bulk_assignee_choices(*, user: User) -> list[User]:
    """Who a supervisor may give many tickets to: active staff working in the departments (and units
    below) they supervise; ticket_assign still checks each ticket's scope."""
    supervised = department_ids_in_scope_sql(user=user, roles=SUPERVISING_ROLES)
    if user.is_superuser:
        staff = User.objects.filter(is_active=True, memberships__role__in=WORKING_ROLES)
    else:
        # One filter call, one join: the working role is held in a supervised department (one
        # held in another ministry, beside any role here, does not count).
        staff = User.objects.filter(
            is_active=True, memberships__role__in=WORKING_ROLES, memberships__department_id__in=supervised
        )
    return list(staff.distinct().order_by("username"))


@dataclass(frozen=True)
class CitizenTicket:
    number: str
    created_at: datetime
    status: str
    rating: int | None

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


def citizen_earlier_tickets(*, user: User, ticket: Ticket, limit: int) -> list[CitizenTicket]:
    """The citizen's other tickets that the user may see (by their X user id), newest first, each with
    its latest rating: one query."""
    if ticket.citizen_x_user_id is None:
        return []
    latest_rating = (
        Feedback.objects.filter(ticket_id=OuterRef("id")).order_by("-created_at", "-id").values("rating")[:1]
    )
    rows = (
        Ticket.objects.visible_to(user)
        .filter(citizen_x_user_id=ticket.citizen_x_user_id)
        .exclude(id=ticket.id)
        .annotate(rating=Subquery(latest_rating))
        .order_by("-id")
        .values_list("number", "created_at", "status", "rating")[:limit]
    )
    return [CitizenTicket(*row) for row in rows]


def ticket_feedback(*, ticket: Ticket) -> list[Feedback]:
    """This ticket's ratings (the page has already checked the user sees the ticket), newest first."""
    return list(Feedback.objects.filter(ticket_id=ticket.id).order_by("-created_at", "-id"))
