"""Citizens' ratings and the accountability report, over the tickets the user can see (the dashboard's
figures are in tickets/api/dashboard.py)."""

import dataclasses
import types
import typing
from datetime import date, datetime

from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from seva.api.schema import READ_ONE_ERRORS, error_responses
from tickets.models import Feedback, Ticket
from tickets.reports.export import CONTENT_TYPES
from tickets.reports.figures import (
    MAX_PERIOD_DAYS,
    AccountabilityReport,
    DayRow,
    OfficerRow,
    ScopeRow,
    report_period_errors,
)
from tickets.reports.ticket_rows import TICKET_COLUMNS
from tickets.selectors import feedback_summary, ticket_feedback_list
from tickets.services import REPORT_FORMATS, report_export


class FeedbackOutputSerializer(serializers.ModelSerializer):
    tweet_id = serializers.CharField(allow_null=True)

    class Meta:
        model = Feedback
        fields = ("id", "rating", "comment", "tweet_id", "created_at")


@extend_schema(
    summary="The citizen's ratings of one ticket",
    responses={200: FeedbackOutputSerializer(many=True), **READ_ONE_ERRORS},
)
class TicketFeedbackListApi(ListAPIView):
    serializer_class = FeedbackOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, without a ticket
            return Feedback.objects.none()
        try:
            return ticket_feedback_list(user=self.request.user, number=self.kwargs["number"])
        except Ticket.DoesNotExist as exc:
            raise Http404 from exc


class FeedbackSummaryApi(APIView):
    class FilterSerializer(serializers.Serializer):
        department = serializers.CharField(max_length=16, required=False, help_text="A department or unit code")

        class Meta:
            ref_name = "FeedbackSummaryFilter"

    class OutputSerializer(serializers.Serializer):
        class DepartmentSerializer(serializers.Serializer):
            department = serializers.CharField()
            count = serializers.IntegerField()
            average = serializers.FloatField()
            distribution = serializers.DictField(
                child=serializers.IntegerField(), help_text='How many of each rating: {"1": n, ..., "5": n}'
            )

            class Meta:
                ref_name = "FeedbackSummaryDepartment"

        results = DepartmentSerializer(many=True)

        class Meta:
            ref_name = "FeedbackSummary"

    @extend_schema(
        summary="Ratings per department: count, average and distribution (of the tickets you can see)",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer, **error_responses(400, 401, 429)},
    )
    def get(self, request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        results = feedback_summary(user=request.user, department_code=filters.validated_data.get("department"))
        return Response(self.OutputSerializer({"results": results}).data)


_SERIALIZER_FIELDS = {
    int: serializers.IntegerField,
    float: serializers.FloatField,
    str: serializers.CharField,
    date: serializers.DateField,
    datetime: serializers.DateTimeField,
}


def _dataclass_serializer(
    cls, *, name: str, nested: dict | None = None, extra: dict | None = None
) -> type[serializers.Serializer]:
    """The schema of one of the report's dataclasses, read off its fields so the two cannot drift."""
    declared: dict = {"Meta": type("Meta", (), {"ref_name": name}), **(extra or {})}
    for field in dataclasses.fields(cls):
        if nested and field.name in nested:
            declared[field.name] = nested[field.name]
            continue
        args = typing.get_args(field.type)
        base = next(arg for arg in args if arg is not types.NoneType) if args else field.type
        declared[field.name] = _SERIALIZER_FIELDS[base](allow_null=types.NoneType in args)
    return type(name, (serializers.Serializer,), declared)


_TICKET_FIELDS = {
    "text": lambda null: serializers.CharField(allow_null=null),
    "datetime": lambda null: serializers.DateTimeField(allow_null=null, help_text="India's time, with its offset"),
    "number": lambda null: serializers.FloatField(allow_null=null),
    "int": lambda null: serializers.IntegerField(allow_null=null),
    "hops": lambda null: serializers.ListField(child=serializers.CharField(), help_text="One hop a line, in order"),
}
AccountabilityTicketRowSerializer = type(
    "AccountabilityTicketRowSerializer",
    (serializers.Serializer,),
    {
        "Meta": type("Meta", (), {"ref_name": "AccountabilityTicketRow"}),
        **{column.key: _TICKET_FIELDS[column.kind](column.null) for column in TICKET_COLUMNS},
    },
)

AccountabilityReportSerializer = _dataclass_serializer(
    AccountabilityReport,
    name="AccountabilityReport",
    nested={
        "rows": _dataclass_serializer(ScopeRow, name="AccountabilityScopeRow")(
            many=True, help_text="The total (level total), then each department and unit in tree order"
        ),
        "officers": _dataclass_serializer(OfficerRow, name="AccountabilityOfficerRow")(many=True),
        "daily": _dataclass_serializer(DayRow, name="AccountabilityDayRow")(many=True),
    },
    extra={
        "tickets": AccountabilityTicketRowSerializer(
            many=True, help_text="One row per ticket received in the period, with every hop, in arrival order"
        )
    },
)


class _FormatNamesTheFile(BaseContentNegotiation):
    """Here `format` names the report's file type, not a DRF renderer (DRF would answer 404 for a
    format it has no renderer for). Errors are JSON whatever the format; the file is sent as is."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AccountabilityReportApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _FormatNamesTheFile

    class FilterSerializer(serializers.Serializer):
        department = serializers.CharField(
            max_length=16, required=False, help_text="A department or unit code; none: all you may report on"
        )
        start = serializers.DateField(help_text="The first day, India's date (YYYY-MM-DD)")
        end = serializers.DateField(help_text=f"The last day, included; at most {MAX_PERIOD_DAYS} days from start")
        format = serializers.ChoiceField(choices=REPORT_FORMATS, default="json")

        class Meta:
            ref_name = "AccountabilityReportFilter"

        def validate(self, attrs: dict) -> dict:
            errors = report_period_errors(start=attrs["start"], end=attrs["end"])
            if errors:
                raise serializers.ValidationError(errors)
            return attrs

    @extend_schema(
        summary="The accountability report of a department (or all you may report on) over a period",
        description=(
            "Supervisors, department admins and auditors within their scope, and ministry admins. "
            "Each export is recorded in the audit trail (with the file's size and SHA-256). JSON is the "
            "summary figures and one row per ticket received in the period; csv, xlsx and pdf are files "
            "(Content-Disposition: attachment): CSV and XLSX hold every ticket's row, the PDF holds them in "
            "an appendix up to 2,000 tickets and says so beyond. Labels follow the request's language "
            "(Accept-Language: hi for Hindi). Built while you wait and streamed, whatever the size."
        ),
        parameters=[FilterSerializer],
        responses={
            (200, "application/json"): AccountabilityReportSerializer,
            **{
                (200, content_type.split(";")[0]): OpenApiTypes.BINARY
                for fmt, content_type in CONTENT_TYPES.items()
                if fmt != "json"
            },
            **error_responses(400, 401, 403, 404, 429),
        },
    )
    def get(self, request) -> HttpResponse:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        # A refusal (ReportForbidden, ReportDepartmentNotFound) is answered by the API's exception handler.
        export = report_export(
            user=request.user,
            department_code=data.get("department"),
            start=data["start"],
            end=data["end"],
            fmt=data["format"],
            language=get_language(),
        )
        # Streamed from the export's temporary file, which the response closes when sent.
        if data["format"] == "json":
            response = FileResponse(export.file, content_type=export.content_type)
        else:
            response = FileResponse(
                export.file, content_type=export.content_type, as_attachment=True, filename=export.filename
            )
        response["Content-Length"] = str(export.size_bytes)
        return response
