"""Citizens' ratings and the dashboard, over the tickets the user can see."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from seva.api.schema import AUTHENTICATED_ERRORS, READ_ONE_ERRORS, error_responses
from tickets.models import Feedback, Ticket
from tickets.selectors import dashboard_summary, feedback_summary, ticket_feedback_list


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


class DashboardSummaryApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class DepartmentSerializer(serializers.Serializer):
            department = serializers.CharField()
            total = serializers.IntegerField()
            by_status = serializers.DictField(child=serializers.IntegerField(), help_text="{status: count}")

            class Meta:
                ref_name = "DashboardDepartment"

        class SlaSerializer(serializers.Serializer):
            tickets_with_targets = serializers.IntegerField()
            breached = serializers.IntegerField(help_text="Tickets that missed a target, open or not")
            open_breached = serializers.IntegerField(help_text="Open tickets past a target")
            compliance_percent = serializers.FloatField(
                allow_null=True, help_text="Share of tickets with targets that met them; null when none has"
            )

            class Meta:
                ref_name = "DashboardSla"

        class HourSerializer(serializers.Serializer):
            hour = serializers.DateTimeField()
            count = serializers.IntegerField()

            class Meta:
                ref_name = "DashboardHour"

        generated_at = serializers.DateTimeField()
        by_department = DepartmentSerializer(many=True)
        sla = SlaSerializer()
        open_escalations = serializers.IntegerField()
        volume_last_24h = HourSerializer(many=True, help_text="Tickets created per hour (India's time), oldest first")

        class Meta:
            ref_name = "DashboardSummary"

    @extend_schema(
        summary="Counts by department and status, SLA compliance and breaches, volume by hour (last 24 h)",
        responses={200: OutputSerializer, **AUTHENTICATED_ERRORS},
    )
    def get(self, request) -> Response:
        summary = dashboard_summary(user=request.user, now=timezone.now())
        return Response(self.OutputSerializer(summary).data)
