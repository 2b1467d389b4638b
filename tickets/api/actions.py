"""Officers' actions on a ticket: one API class per action, each a thin call of its service.

Who may call each is decided by the service on that ticket: a ticket the user cannot see is a 404,
one they see but may not change (an auditor, an officer assigning) a 403, bad input a 400 with
`fields`, a state the action does not fit a 409. Input serializers accept only their action's fields.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from seva.api.schema import ACTION_ERRORS, error_responses
from tickets.api.serializers import TicketListOutputSerializer, TicketMessageOutputSerializer
from tickets.lifecycle import Priority, Status
from tickets.services import (
    ticket_assign,
    ticket_claim,
    ticket_merge,
    ticket_note,
    ticket_reply,
    ticket_take_next,
    ticket_transfer,
    ticket_transition,
    ticket_triage_change,
)
from tickets.triage.rules import REASON_MAX_LENGTH


def _ticket_response(ticket) -> Response:
    return Response(TicketListOutputSerializer(ticket).data)


def _action_schema(*, summary: str, request, responses=None, description: str = ""):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses=responses or {200: TicketListOutputSerializer, **ACTION_ERRORS},
        tags=["ticket actions"],
    )


class TicketClaimApi(APIView):
    @_action_schema(
        summary="Take an unassigned ticket (officers of its scope)",
        request=None,
        description="New or reopened tickets become `assigned`. 409 `already_assigned` if someone has it.",
    )
    def post(self, request, number: str) -> Response:
        return _ticket_response(ticket_claim(actor=request.user, number=number))


class TicketAssignApi(APIView):
    class InputSerializer(serializers.Serializer):
        user = serializers.CharField(max_length=150, help_text="The assignee's user id or username")

        class Meta:
            ref_name = "TicketAssignInput"

    @_action_schema(
        summary="Assign or reassign the ticket (supervisors and department admins of its scope)",
        request=InputSerializer,
        description="The assignee must work in the ticket's department or unit (400 on `user` otherwise).",
    )
    def post(self, request, number: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ticket_response(
            ticket_assign(actor=request.user, number=number, assignee=serializer.validated_data["user"])
        )


class TicketTransitionApi(APIView):
    class InputSerializer(serializers.Serializer):
        to = serializers.ChoiceField(choices=Status.choices)
        note = serializers.CharField(
            max_length=2000,
            required=False,
            allow_blank=True,
            default="",
            help_text="The resolution note (needed to resolve; sent to the citizen) or the reason to reject",
        )

        class Meta:
            ref_name = "TicketTransitionInput"

    @_action_schema(
        summary="Change the ticket's status (officers of its scope; closing early: supervisors)",
        request=InputSerializer,
        description=(
            "Allowed moves are tickets.lifecycle.TRANSITIONS (else 409 `transition_not_allowed`). "
            "`resolved` needs a note, which the citizen is sent with a request to rate 1-5; `rejected` "
            "needs a reason; `awaiting_citizen` pauses the SLA clock; `new` puts the ticket back in the queue."
        ),
    )
    def post(self, request, number: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ticket_response(ticket_transition(actor=request.user, number=number, **serializer.validated_data))


class TicketReplyApi(APIView):
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(
            max_length=2800, required=False, allow_blank=True, help_text="Split into a numbered thread when long"
        )
        canned_response = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=2**63 - 1,
            help_text="Instead of text: a canned response; {number} and {citizen} are filled in",
        )
        language = serializers.ChoiceField(
            choices=["en", "hi"], required=False, help_text="Of the canned response; default: the tweet's"
        )

        class Meta:
            ref_name = "TicketReplyInput"

    @_action_schema(
        summary="Reply to the citizen on X, through the outbox (officers of the ticket's scope)",
        request=InputSerializer,
        responses={201: TicketMessageOutputSerializer(many=True), **ACTION_ERRORS},
        description="Returns the queued posts (`delivery` is `manual` when no official account was summoned).",
    )
    def post(self, request, number: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        messages = ticket_reply(
            actor=request.user,
            number=number,
            text=data.get("text", ""),
            canned_response_id=data.get("canned_response"),
            language=data.get("language"),
        )
        return Response(TicketMessageOutputSerializer(messages, many=True).data, status=status.HTTP_201_CREATED)


class TicketNoteApi(APIView):
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=10_000)

        class Meta:
            ref_name = "TicketNoteInput"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        text = serializers.CharField()
        author = serializers.CharField(source="author.username")
        created_at = serializers.DateTimeField()

        class Meta:
            ref_name = "TicketNoteOutput"

    @_action_schema(
        summary="Add an internal note, never shown to the citizen (officers of the ticket's scope)",
        request=InputSerializer,
        responses={201: OutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request, number: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = ticket_note(actor=request.user, number=number, text=serializer.validated_data["text"])
        return Response(self.OutputSerializer(note).data, status=status.HTTP_201_CREATED)


class TicketTransferApi(APIView):
    class InputSerializer(serializers.Serializer):
        department = serializers.CharField(max_length=16, help_text="The receiving department's code")
        reason = serializers.CharField(max_length=1000)

        class Meta:
            ref_name = "TicketTransferInput"

    @_action_schema(
        summary="Transfer to another department (officers of the ticket's scope)",
        request=InputSerializer,
        description=(
            "The ticket starts again there as `new`, unassigned, without a unit; the citizen is told. "
            "A department of another ministry: 403 `cross_ministry_transfer` unless the user administers "
            "both ministries; 400 `invalid_department` when they hold no role in that ministry at all."
        ),
    )
    def post(self, request, number: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return _ticket_response(
            ticket_transfer(
                actor=request.user, number=number, department_code=data["department"], reason=data["reason"]
            )
        )


class TicketMergeApi(APIView):
    class InputSerializer(serializers.Serializer):
        into = serializers.CharField(max_length=32, help_text="The number of the ticket this one duplicates")

        class Meta:
            ref_name = "TicketMergeInput"

    @_action_schema(
        summary="Merge into another ticket you can see (officers of this ticket's scope)",
        request=InputSerializer,
        description="This ticket becomes `rejected`, 'duplicate of <into>', pointing at the other.",
    )
    def post(self, request, number: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ticket_response(
            ticket_merge(actor=request.user, number=number, into_number=serializer.validated_data["into"])
        )


class TicketTakeNextApi(APIView):
    @_action_schema(
        summary="Take the most urgent, oldest unassigned ticket you may work",
        request=None,
        responses={
            200: TicketListOutputSerializer,
            204: OpenApiResponse(description="Nothing is waiting."),
            **error_responses(401, 429),
        },
    )
    def post(self, request) -> Response:
        ticket = ticket_take_next(officer=request.user)
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return _ticket_response(ticket)


class TicketTriageApi(APIView):
    class InputSerializer(serializers.Serializer):
        priority = serializers.ChoiceField(choices=Priority.choices)
        category = serializers.CharField(
            max_length=40,
            help_text="A category's code, shared or of the ticket's ministry (see the admin), or \"other\"",
        )
        reason = serializers.CharField(
            max_length=REASON_MAX_LENGTH, help_text="Why; shown on the ticket and kept in its audit trail"
        )

        class Meta:
            ref_name = "TicketTriageInput"

    @_action_schema(
        summary="Change the ticket's priority and category (officers and supervisors of its scope)",
        request=InputSerializer,
        # Any status may be re-triaged, so there is no 409.
        responses={200: TicketListOutputSerializer, **error_responses(400, 401, 403, 404, 429)},
        description=(
            "Open tickets' SLA due times follow the new priority, counted from the ticket's creation. "
            "400 on `category` (code `unknown_category`) for an unknown code or one of another ministry's "
            "categories; `triage_reason` becomes the given reason."
        ),
    )
    def post(self, request, number: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ticket_response(ticket_triage_change(actor=request.user, ticket=number, **serializer.validated_data))
