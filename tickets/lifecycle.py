"""The ticket lifecycle as data: the states, the allowed transitions, the one check, and its times."""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    # Just created from a tweet (or transferred in); nobody is working it yet.
    NEW = "new", _("New")
    # An officer owns it but has not started.
    ASSIGNED = "assigned", _("Assigned")
    # An officer is working it.
    IN_PROGRESS = "in_progress", _("In progress")
    # We asked the citizen something; the SLA clock is paused until they answer.
    AWAITING_CITIZEN = "awaiting_citizen", _("Awaiting citizen")
    # Fixed, with a resolution note the citizen was told; closes itself after 7 days.
    RESOLVED = "resolved", _("Resolved")
    # Final.
    CLOSED = "closed", _("Closed")
    # Resolved, then the citizen (or an officer) said it is not fixed.
    REOPENED = "reopened", _("Reopened")
    # Spam, duplicate or not actionable; needs a reason. Final.
    REJECTED = "rejected", _("Rejected")


# States in which the ticket still needs work from the department.
OPEN_STATUSES = frozenset({Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN, Status.REOPENED})
# States in which the SLA clock runs.
CLOCK_RUNNING_STATUSES = OPEN_STATUSES - {Status.AWAITING_CITIZEN}
# Statuses an (unassigned or reassigned) ticket moves out of when it gets an owner.
AWAITING_OWNER = frozenset({Status.NEW, Status.REOPENED})

# A resolved ticket reopens when its citizen writes within this long; later, a new ticket follows it.
REOPEN_WINDOW = timedelta(days=7)
# Closing at the end of the reopen window: from then on a citizen's tweet opens a new ticket anyway.
AUTO_CLOSE_AFTER = REOPEN_WINDOW

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED}),
    Status.ASSIGNED: frozenset(
        {Status.IN_PROGRESS, Status.AWAITING_CITIZEN, Status.RESOLVED, Status.REJECTED, Status.NEW}
    ),
    Status.IN_PROGRESS: frozenset({Status.AWAITING_CITIZEN, Status.RESOLVED, Status.REJECTED, Status.ASSIGNED}),
    Status.AWAITING_CITIZEN: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.REOPENED: frozenset(
        {Status.ASSIGNED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN, Status.RESOLVED, Status.REJECTED}
    ),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset(),
}


def transition_allowed(*, from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


class Priority(models.TextChoices):
    P1 = "p1", _("P1 · critical")
    P2 = "p2", _("P2 · high")
    P3 = "p3", _("P3 · normal")
    P4 = "p4", _("P4 · low")
