"""Incidents (surges): the list and one incident for everyone in scope; opening, adding and removing
tickets, merging, the public note and resolving for supervisors and department admins of the
incident's department or unit. Each action is a thin call of its service (tickets.services.incidents):
an incident the user cannot see is a 404, one they see but may not change a 403."""

import django_filters
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from seva.api.schema import ACTION_ERRORS, AUTHENTICATED_ERRORS, READ_ONE_ERRORS
from tickets.models import Incident, IncidentStatus
from tickets.selectors import MAX_BIGINT, department_find, incident_get, incident_list
from tickets.services.errors import TicketActionError
from tickets.services.incidents import (
    MAX_TICKETS_PER_CALL,
    NOTE_MAX,
    TITLE_MAX,
    incident_merge,
    incident_note_set,
    incident_open,
    incident_resolve,
    incident_tickets_add,
    incident_tickets_remove,
)


class IncidentOutputSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code", help_text="Department code")
    unit = serializers.CharField(source="unit.code", default=None, allow_null=True, help_text="Unit code")
    category = serializers.CharField(
        source="category_id", default=None, allow_null=True, help_text="Category code; null: none (other)"
    )
    tickets_count = serializers.IntegerField(min_value=0)

    class Meta:
        model = Incident
        fields = ("id", "title", "department", "unit", "status", "category", "tickets_count", "opened_at")


class IncidentDetailOutputSerializer(IncidentOutputSerializer):
    opened_by = serializers.CharField(
        source="opened_by.username", default=None, allow_null=True, help_text="Null: opened by detection at intake"
    )
    resolved_by = serializers.CharField(source="resolved_by.username", default=None, allow_null=True)
    merged_into = serializers.IntegerField(source="merged_into_id", default=None, allow_null=True)
    shared_words = serializers.SerializerMethodField(help_text="The words detection found its tickets share")

    class Meta(IncidentOutputSerializer.Meta):
        fields = (
            *IncidentOutputSerializer.Meta.fields,
            "public_note",
            "resolution_note",
            "opened_by",
            "resolved_by",
            "resolved_at",
            "merged_into",
            "shared_words",
        )

    def get_shared_words(self, incident) -> list[str]:
        words = (incident.signature or {}).get("words", [])
        return [str(word) for word in words] if isinstance(words, list) else []


TicketsField = serializers.ListField(
    child=serializers.CharField(max_length=32),
    min_length=1,
    max_length=MAX_TICKETS_PER_CALL,
    help_text="Ticket numbers",
)


def _incident_response(incident_id: int, request, *, code: int = status.HTTP_200_OK) -> Response:
    incident = incident_get(user=request.user, incident_id=incident_id)
    return Response(IncidentDetailOutputSerializer(incident).data, status=code)


def _schema(*, summary: str, request, description: str = "", code: int = 200):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={code: IncidentDetailOutputSerializer, **ACTION_ERRORS},
        tags=["incidents"],
    )


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices, distinct=False)
    department = django_filters.CharFilter(
        method="filter_department", help_text=_("Department or unit code: its incidents and its units'")
    )

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_department(self, queryset, name, value):
        department = department_find(code=value)
        if department is None:
            return queryset.none()
        return queryset.filter(Q(department=department) | Q(unit=department))


@extend_schema(
    summary="Incidents in your scope, newest first",
    responses={200: IncidentOutputSerializer(many=True), **AUTHENTICATED_ERRORS},
    tags=["incidents"],
)
class IncidentListApi(ListAPIView):
    serializer_class = IncidentOutputSerializer
    filterset_class = IncidentFilter

    def get_queryset(self):
        return incident_list(user=self.request.user)


@extend_schema(
    summary="One incident; its tickets are /api/v1/tickets/?incident={id}",
    responses={200: IncidentDetailOutputSerializer, **READ_ONE_ERRORS},
    tags=["incidents"],
)
class IncidentDetailApi(RetrieveAPIView):
    serializer_class = IncidentDetailOutputSerializer

    def get_object(self):
        incident = incident_get(user=self.request.user, incident_id=self.kwargs["incident_id"])
        if incident is None:
            raise Http404
        return incident


class IncidentOpenApi(APIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=TITLE_MAX)
        department = serializers.CharField(max_length=40, help_text="Department code")
        unit = serializers.CharField(max_length=40, required=False, help_text="Unit code, of that department")
        category = serializers.CharField(
            max_length=40,
            required=False,
            help_text='Category code: a shared one or one of the department\'s ministry; "other" or none: no category',
        )
        tickets = serializers.ListField(
            child=serializers.CharField(max_length=32),
            required=False,
            default=list,
            max_length=MAX_TICKETS_PER_CALL,
            help_text="Ticket numbers, open, of that department (and unit)",
        )

        class Meta:
            ref_name = "IncidentOpenInput"

    @_schema(
        summary="Open an incident by hand (supervisors and department admins)",
        request=InputSerializer,
        code=201,
        description=(
            "400 on `department`, `unit`, `category` or `tickets` when one is unknown or out of scope "
            "(a category of another ministry is unknown here)."
        ),
    )
    def post(self, request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        department = department_find(code=data["department"])
        if department is None or department.is_unit:
            message = _("No such department.")
            raise TicketActionError("unknown_department", message, {"department": [message]})
        unit = None
        if data.get("unit"):
            unit = department_find(code=data["unit"])
            if unit is None or not unit.is_unit:
                message = _("No such unit.")
                raise TicketActionError("unknown_unit", message, {"unit": [message]})
        incident = incident_open(
            actor=request.user,
            department=department,
            unit=unit,
            title=data["title"],
            category=data.get("category"),
            ticket_ids=data["tickets"],
        )
        return _incident_response(incident.pk, request, code=status.HTTP_201_CREATED)


class IncidentTicketsAddApi(APIView):
    class InputSerializer(serializers.Serializer):
        tickets = TicketsField

        class Meta:
            ref_name = "IncidentTicketsInput"

    @_schema(
        summary="Put tickets into an open incident (supervisors of its scope)",
        request=InputSerializer,
        description="Open tickets of its department (and unit); a ticket in another incident moves here.",
    )
    def post(self, request, incident_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident_tickets_add(actor=request.user, incident=incident_id, ticket_ids=serializer.validated_data["tickets"])
        return _incident_response(incident_id, request)


class IncidentTicketsRemoveApi(APIView):
    InputSerializer = IncidentTicketsAddApi.InputSerializer

    @_schema(
        summary="Take tickets out of an open incident (supervisors of its scope)",
        request=InputSerializer,
        description="Tickets named that are not in the incident change nothing.",
    )
    def post(self, request, incident_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident_tickets_remove(
            actor=request.user, incident=incident_id, ticket_ids=serializer.validated_data["tickets"]
        )
        return _incident_response(incident_id, request)


class IncidentMergeApi(APIView):
    class InputSerializer(serializers.Serializer):
        into = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT, help_text="The incident to merge into")

        class Meta:
            ref_name = "IncidentMergeInput"

    @_schema(
        summary="Merge this open incident into another open one of its department (supervisors)",
        request=InputSerializer,
        description="Returns the incident merged into, which now holds the tickets.",
    )
    def post(self, request, incident_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        into = incident_merge(actor=request.user, incident=incident_id, into=serializer.validated_data["into"])
        return _incident_response(into.pk, request)


class IncidentNoteApi(APIView):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(
            max_length=NOTE_MAX, allow_blank=True, help_text="Shown on each ticket's public status page; '' clears it"
        )

        class Meta:
            ref_name = "IncidentNoteInput"

    @_schema(summary="Write the incident's public note (supervisors of its scope)", request=InputSerializer)
    def post(self, request, incident_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident_note_set(actor=request.user, incident=incident_id, note=serializer.validated_data["note"])
        return _incident_response(incident_id, request)


class IncidentResolveApi(APIView):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=NOTE_MAX, help_text="The resolution, posted to each citizen")

        class Meta:
            ref_name = "IncidentResolveInput"

    @_schema(
        summary="Resolve the incident and its open tickets (supervisors of its scope)",
        request=InputSerializer,
        description=(
            "Each citizen conversation among its tickets is posted the resolution once, through the "
            "outbox, from the account the citizen mentioned; each open ticket becomes `resolved`."
        ),
    )
    def post(self, request, incident_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident_resolve(actor=request.user, incident=incident_id, note=serializer.validated_data["note"])
        return _incident_response(incident_id, request)
