"""The supervisors' escalation queue."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from seva.api.schema import ACTION_ERRORS, AUTHENTICATED_ERRORS
from tickets.models import Escalation
from tickets.selectors import escalation_list
from tickets.services import escalation_acknowledge


class EscalationOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number")
    department = serializers.CharField(source="ticket.department.code")
    notify_department = serializers.CharField(source="notify_department.code")
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", default=None, allow_null=True)

    class Meta:
        model = Escalation
        fields = (
            "id",
            "ticket",
            "department",
            "level",
            "reason",
            "notify_department",
            "raised_at",
            "target_due_at",
            "acknowledged_by",
            "acknowledged_at",
        )


class EscalationFilter(django_filters.FilterSet):
    level = django_filters.TypedChoiceFilter(choices=Escalation.Level.choices, coerce=int)
    acknowledged = django_filters.BooleanFilter(
        method="filter_acknowledged", help_text="false (the default): the open queue; true: those acknowledged"
    )

    class Meta:
        model = Escalation
        fields: list[str] = []

    def filter_queryset(self, queryset):
        if self.form.cleaned_data.get("acknowledged") is None:
            queryset = queryset.filter(acknowledged_at__isnull=True)
        return super().filter_queryset(queryset)

    def filter_acknowledged(self, queryset, name, value):
        return queryset.filter(acknowledged_at__isnull=not value)


@extend_schema(
    summary="Escalations in your scope: the open queue unless `acknowledged=true`",
    responses={200: EscalationOutputSerializer(many=True), **AUTHENTICATED_ERRORS},
)
class EscalationListApi(ListAPIView):
    serializer_class = EscalationOutputSerializer
    filterset_class = EscalationFilter

    def get_queryset(self):
        return escalation_list(user=self.request.user)


class EscalationAcknowledgeApi(APIView):
    @extend_schema(
        summary="Acknowledge an escalation (supervisors and department admins of its notify department)",
        request=None,
        responses={200: EscalationOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request, escalation_id: int) -> Response:
        escalation = escalation_acknowledge(actor=request.user, escalation_id=escalation_id)
        return Response(EscalationOutputSerializer(escalation).data)
