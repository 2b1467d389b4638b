"""Exports of the accountability report as files, built in the background when big: ask for one,
list yours, read one, download its file. An export is seen by whoever asked for it and by the
ministry's admins; to anyone else it does not exist (404)."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from seva.api.pagination import StrictCursorPagination
from seva.api.schema import READ_ONE_ERRORS, ApiErrorSerializer, error_responses
from tickets.exports.files import EXPORT_CONTENT_TYPES, export_file_response
from tickets.exports.models import ExportFormat, ExportJob, ExportState
from tickets.exports.selectors import export_get, export_list_mine
from tickets.exports.services import export_download_name, export_file_check, export_request
from tickets.reports.scope import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_PERIOD_DAYS,
    ReportDepartmentNotFound,
    ReportInputInvalid,
    report_period_errors,
)


class ExportOutputSerializer(serializers.ModelSerializer):
    department = serializers.CharField(
        source="department.code", default=None, allow_null=True, help_text="Null: all you may report on"
    )
    requested_by = serializers.CharField(source="requested_by.username")
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    state = serializers.ChoiceField(choices=ExportState.choices)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True, help_text="When the file is deleted; null until ready")
    rows_done = serializers.IntegerField(min_value=0, help_text="Ticket rows written so far")
    rows_total = serializers.IntegerField(
        min_value=0, allow_null=True, help_text="Ticket rows the file will hold (counted when asked; exact when ready)"
    )
    size_bytes = serializers.IntegerField(min_value=0, allow_null=True, help_text="Null until ready")
    sha256 = serializers.CharField(
        allow_blank=True,
        help_text="Hex SHA-256 of the file, as the EXPORTED audit event records it; blank until ready",
    )
    failure_reason = serializers.CharField(allow_blank=True, help_text="Why a failed export failed")
    download_url = serializers.SerializerMethodField(help_text="The file, while the export is ready; else null")

    class Meta:
        model = ExportJob
        fields = (
            "id",
            "requested_by",
            "department",
            "start",
            "end",
            "format",
            "state",
            "rows_done",
            "rows_total",
            "size_bytes",
            "sha256",
            "failure_reason",
            "created_at",
            "finished_at",
            "expires_at",
            "download_url",
        )
        ref_name = "ReportExport"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, job: ExportJob) -> str | None:
        if job.state != ExportState.READY:
            return None
        return reverse("report-export-file", args=[job.pk])


class ReportExportListCreateApi(ListAPIView):
    serializer_class = ExportOutputSerializer
    pagination_class = StrictCursorPagination

    class InputSerializer(serializers.Serializer):
        department = serializers.CharField(
            max_length=16,
            required=False,
            allow_blank=True,
            help_text="A department or unit code; none or blank: all you may report on",
        )
        start = serializers.DateField(help_text=f"The first day, India's date, {EARLIEST_DATE} to {LATEST_DATE}")
        end = serializers.DateField(help_text=f"The last day, included; at most {MAX_PERIOD_DAYS} days from start")
        format = serializers.ChoiceField(choices=ExportFormat.choices)

        class Meta:
            ref_name = "ReportExportInput"

        def validate(self, attrs: dict) -> dict:
            errors = report_period_errors(start=attrs["start"], end=attrs["end"])
            if errors:
                raise serializers.ValidationError(errors)
            return attrs

    def get_queryset(self):
        return export_list_mine(user=self.request.user)

    @extend_schema(
        summary="Your exports of the accountability report, newest first",
        responses={200: ExportOutputSerializer(many=True), **error_responses(400, 401, 404, 429)},
        tags=["reports"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Ask for the accountability report as a file",
        description=(
            "Supervisors, department admins and auditors within their scope, and ministry admins. A small "
            "report is built at once (state ready); a bigger one is queued and built in the background: poll "
            "the export until it is ready, then download it. Each finished file is an EXPORTED audit event "
            "with its row count and SHA-256. 429 when three of your exports are still waiting or building."
        ),
        request=InputSerializer,
        responses={
            201: ExportOutputSerializer,
            **error_responses(400, 401, 403),
            404: OpenApiResponse(ApiErrorSerializer, description="No such department, or not one you can see."),
            429: OpenApiResponse(
                ApiErrorSerializer,
                description="Too many requests, or three of your exports still waiting or building.",
            ),
        },
        tags=["reports"],
    )
    def post(self, request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            job = export_request(
                user=request.user,
                department_code=data.get("department"),
                start=data["start"],
                end=data["end"],
                fmt=data["format"],
                language=get_language() or "en",
            )
        except ReportInputInvalid as exc:
            # Here the body's shape is checked already: what is left is a department code that names
            # none, which is not found, as one the user cannot see.
            raise ReportDepartmentNotFound from exc
        return Response(ExportOutputSerializer(job).data, status=status.HTTP_201_CREATED)


# The path takes any text, so that a malformed id is this API's JSON 404, not Django's HTML one.
EXPORT_ID = OpenApiParameter("export_id", int, OpenApiParameter.PATH, description="An export's id")


def _export_or_404(request, export_id: str) -> ExportJob:
    job_id = int(export_id) if export_id.isascii() and export_id.isdigit() else None
    job = export_get(user=request.user, export_id=job_id) if job_id is not None else None
    if job is None:
        raise Http404
    return job


@extend_schema(
    summary="One export: its state and progress",
    parameters=[EXPORT_ID],
    responses={200: ExportOutputSerializer, **READ_ONE_ERRORS},
    tags=["reports"],
)
class ReportExportDetailApi(RetrieveAPIView):
    serializer_class = ExportOutputSerializer

    def get_object(self):
        return _export_or_404(self.request, self.kwargs["export_id"])


class _AnyAccept(BaseContentNegotiation):
    """The file is sent as it is whatever the client accepts; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ReportExportFileApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _AnyAccept

    @extend_schema(
        summary="Download an export's file (Content-Disposition: attachment)",
        parameters=[EXPORT_ID],
        responses={
            **{
                (200, content_type.split(";")[0]): OpenApiTypes.BINARY
                for content_type in EXPORT_CONTENT_TYPES.values()
            },
            **READ_ONE_ERRORS,
            409: OpenApiResponse(
                ApiErrorSerializer,
                description="No file: still queued or building, or failed (code export_not_ready), or deleted after "
                "SEVA_EXPORT_RETENTION_DAYS (code export_expired).",
            ),
        },
        tags=["reports"],
    )
    def get(self, request, export_id: str):
        job = _export_or_404(request, export_id)
        export_file_check(job=job)
        return export_file_response(job, filename=export_download_name(job))
