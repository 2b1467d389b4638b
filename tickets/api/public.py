"""The public status of a ticket, for anyone with its number: Open311 GeoReport v2 field names where
they fit (https://wiki.open311.org/GeoReport_v2/#get-service-request), and nothing personal."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from seva.api.schema import error_responses
from seva.api.throttling import AnonRateThrottle
from tickets.lifecycle import Status
from tickets.models import Ticket
from tickets.selectors import ticket_public_status


class PublicStatusDetailSerializer(serializers.Serializer):
    code = serializers.ChoiceField(source="status", choices=Status.choices)
    label = serializers.CharField(source="status_label", help_text="In the request's language (Accept-Language).")

    class Meta:
        ref_name = "PublicTicketStatusDetail"


class PublicTicketStatusApi(APIView):
    # No authentication: the answer is the same for everyone, and every caller is throttled as anonymous.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    class OutputSerializer(serializers.Serializer):
        service_request_id = serializers.CharField(source="number", help_text="The ticket number.")
        status = serializers.ChoiceField(
            source="open311_status",
            choices=[("open", "open"), ("closed", "closed")],
            help_text="Open311: `closed` once resolved, closed or rejected; `status_detail` has our state.",
        )
        status_detail = PublicStatusDetailSerializer(source="*")
        status_notes = serializers.CharField(
            help_text="The resolution note once resolved; otherwise a fixed public phrase for the state."
        )
        service_code = serializers.CharField(source="department_code")
        service_name = serializers.CharField(source="department_name_en", help_text="The department, in English.")
        service_name_hi = serializers.CharField(source="department_name_hi", help_text="The department, in Hindi.")
        agency_responsible = serializers.CharField(
            source="agency_name_en", help_text="The unit (circle, city) handling it, else the department."
        )
        agency_responsible_hi = serializers.CharField(source="agency_name_hi")
        requested_datetime = serializers.DateTimeField(source="created_at")
        updated_datetime = serializers.DateTimeField(source="updated_at")
        expected_datetime = serializers.DateTimeField(
            source="resolution_due_at", allow_null=True, help_text="When resolution is due under the SLA."
        )
        first_response_due = serializers.DateTimeField(source="first_response_due_at", allow_null=True)
        first_responded_at = serializers.DateTimeField(allow_null=True)
        resolved_at = serializers.DateTimeField(allow_null=True)
        closed_at = serializers.DateTimeField(allow_null=True)
        merged_into = serializers.CharField(
            allow_null=True, help_text="The ticket this one duplicates, which carries the updates."
        )

        class Meta:
            ref_name = "PublicTicketStatus"

    @extend_schema(
        summary="The public status of a ticket, by its number (no sign-in; no personal data)",
        responses={200: OpenApiResponse(OutputSerializer), **error_responses(404, 429)},
        auth=[],
    )
    def get(self, request, number: str) -> Response:
        try:
            status = ticket_public_status(number=number)
        except Ticket.DoesNotExist as exc:
            raise Http404 from exc
        return Response(self.OutputSerializer(status).data)
