"""The error shape in the OpenAPI schema, so every documented error response is checkable."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: not_found, permission_denied, invalid, ...")
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Bad input: {field: [messages]}"
    )


class ApiErrorSerializer(serializers.Serializer):
    error = ApiErrorDetailSerializer()


_DESCRIPTIONS = {
    400: "Bad input; `fields` says which and why.",
    401: "Not signed in.",
    403: "You can see this but may not do it.",
    404: "No such object, or not one you can see.",
    409: "Not in this state (closed, already assigned, not an allowed transition).",
    429: "Too many requests; wait and retry.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(ApiErrorSerializer, description=_DESCRIPTIONS[status]) for status in statuses}


# Every authenticated request may be refused for these.
AUTHENTICATED_ERRORS = error_responses(401, 429)
READ_ONE_ERRORS = error_responses(401, 404, 429)
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409, 429)
