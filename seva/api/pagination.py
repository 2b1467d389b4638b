from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class SevaCursorPagination(CursorPagination):
    """Cursor pagination: stable under inserts, constant-time at any depth."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"


class CodeCursorPagination(SevaCursorPagination):
    ordering = "code"


class StrictCursorPagination(SevaCursorPagination):
    """As SevaCursorPagination, but a `page_size` that is not a whole number from 1 to max_page_size
    is a 400, not silently the default, and the schema says so (minimum, maximum)."""

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        value = values[-1]
        if len(values) > 1 or not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}, given once."]}
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters
