"""One error shape for the whole API: {"error": {"code", "message", "fields"}}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from seva.errors import AppError


def _flatten(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, AppError):
        # The application's errors: each carries its status, code and (translatable) messages.
        response = error_response(
            code=exc.code,
            message=str(exc.message),
            http_status=exc.http_status,
            fields={name: [str(message) for message in messages] for name, messages in exc.fields.items()},
        )
        if exc.retry_after is not None:
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    fields: dict = {}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        fields = {
            key: [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in exc.detail.items()
        }
        message = "Invalid input."
    else:
        message = _flatten(exc.detail) if hasattr(exc, "detail") else str(exc)
    code = exc.get_codes() if hasattr(exc, "get_codes") else "error"
    if not isinstance(code, str):
        code = getattr(exc, "default_code", "invalid")
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


def error_response(
    *, code: str, message: str, http_status: int = status.HTTP_400_BAD_REQUEST, fields: dict | None = None
) -> Response:
    return Response({"error": {"code": code, "message": message, "fields": fields or {}}}, status=http_status)
