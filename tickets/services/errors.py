"""The errors a ticket action raises: application errors (seva.errors.AppError), one HTTP status
per class, each with a stable `code`, a translatable `message` and, for bad input, `fields`."""

from django.utils.translation import gettext_lazy as _

from seva.errors import AppError, Text

NOT_ALLOWED = _("You may not do this.")
NOT_FOUND = _("Not found.")


class TicketActionError(AppError):
    """The input is wrong (a missing note, an unknown department): HTTP 400."""

    http_status = 400


class ActionConflict(TicketActionError):
    """The action does not fit the object's current state (closed, already assigned): HTTP 409."""

    http_status = 409


class ActionForbidden(TicketActionError):
    """The actor can see the object but may not do this to it: HTTP 403."""

    http_status = 403

    def __init__(self, message: Text = NOT_ALLOWED, code: str = "permission_denied") -> None:
        super().__init__(code, message)


class ObjectNotFound(TicketActionError):
    """Absent, or not visible to the actor (never distinguished, so existence does not leak): HTTP 404."""

    http_status = 404

    def __init__(self, message: Text = NOT_FOUND) -> None:
        super().__init__("not_found", message)
