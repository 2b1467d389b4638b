"""The errors a ticket action raises; the API maps each class to one HTTP status.

Every error carries a stable `code` (what a client branches on), a human `message`, and, for bad
input, `fields`: {field name: [messages]}.
"""


class TicketActionError(Exception):
    """The input is wrong (a missing note, an unknown department): HTTP 400."""

    http_status = 400

    def __init__(self, code: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}


class ActionConflict(TicketActionError):
    """The action does not fit the object's current state (closed, already assigned): HTTP 409."""

    http_status = 409


class ActionForbidden(TicketActionError):
    """The actor can see the object but may not do this to it: HTTP 403."""

    http_status = 403

    def __init__(self, message: str = "You may not do this.", code: str = "permission_denied") -> None:
        super().__init__(code, message)


class ObjectNotFound(TicketActionError):
    """Absent, or not visible to the actor (never distinguished, so existence does not leak): HTTP 404."""

    http_status = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__("not_found", message)
