"""The one base of the errors the application means to show: services raise it (or a subclass), and
each door turns it into its own answer in one place: the API's exception handler into the error
shape {"error": {"code", "message", "fields"}} (seva.api.errors), the workspace into form errors
(tickets.workspace.forms.form_add_service_error).

`code` is stable, for programs to branch on; `message` and the `fields` messages are for people,
translatable (gettext_lazy, or `format_lazy` when they carry values), so they are worded in the
language of whoever reads them, when they read them. A leaf module: it imports only Django.
"""

from django.utils.functional import Promise

Text = str | Promise


class AppError(Exception):
    """An error with a stable `code`, a human `message` and, for bad input, `fields`:
    {field name: [messages]}. `http_status` is the class's unless given; `retry_after` (seconds)
    becomes a Retry-After header."""

    http_status = 400

    def __init__(
        self,
        code: str,
        message: Text,
        fields: dict[str, list[Text]] | None = None,
        *,
        http_status: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        if http_status is not None:
            self.http_status = http_status
        self.retry_after = retry_after
