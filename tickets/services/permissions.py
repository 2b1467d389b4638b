"""Who may change a ticket: checked on that ticket, through its unit when it has one.

A membership on a department covers its units, so checking the unit (else the department) answers
for members of either, exactly as `Ticket.objects.visible_to` does for reading.
"""

from django.utils.translation import gettext_lazy as _

from departments.models import SUPERVISING_ROLES, WORKING_ROLES
from departments.selectors import user_has_role, user_is_ministry_admin_of
from tickets.models import Ticket
from tickets.services.errors import ActionForbidden


def check_can_work(*, actor, ticket: Ticket) -> None:
    """Officers, supervisors and department admins of the ticket's scope; never auditors."""
    if not user_has_role(user=actor, department_id=ticket.scope_department_id, roles=WORKING_ROLES):
        raise ActionForbidden(_("You may read this ticket but not change it."))


def is_supervisor_of(*, actor, ticket: Ticket) -> bool:
    """Supervisors and department admins of the ticket's scope."""
    return user_has_role(user=actor, department_id=ticket.scope_department_id, roles=SUPERVISING_ROLES)


def check_can_supervise(*, actor, ticket: Ticket) -> None:
    if not is_supervisor_of(actor=actor, ticket=ticket):
        raise ActionForbidden(_("Only a supervisor of this ticket's department may do this."))


def check_can_transfer_across(*, actor, from_ministry_id: int, to_ministry_id: int) -> None:
    """A ticket leaves its ministry only by the hand of an admin of both ministries (a department
    admin on each root) or a superuser: one ministry's staff never hand work to another's."""
    if from_ministry_id == to_ministry_id:
        return
    if not user_is_ministry_admin_of(user=actor, ministry_ids=[from_ministry_id, to_ministry_id]):
        raise ActionForbidden(
            _("Only an admin of both ministries may transfer a ticket to another ministry."),
            code="cross_ministry_transfer",
        )
