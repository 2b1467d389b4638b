from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from departments.models import SUPERVISING_ROLES
from ingestion.models import DeadLetter
from ingestion.replay import dead_letter_replay
from ingestion.selectors import dead_letters_visible
from seva.api.schema import error_responses


class IsSupervisorOrAdmin(BasePermission):
    message = "Dead letters are for supervisors and administrators."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated) and (
            user.is_superuser or user.memberships.filter(role__in=SUPERVISING_ROLES).exists()
        )


class DeadLetterOutputSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code", default=None, allow_null=True)

    class Meta:
        model = DeadLetter
        fields = (
            "id",
            "door",
            "department",
            "reason",
            "tweet_id",
            "raw",
            "received_at",
            "replayed_at",
            "replay_result",
        )


class _ScopedDeadLetters:
    """Every dead-letter door reads through the one scoping selector."""

    serializer_class = DeadLetterOutputSerializer
    permission_classes = [IsSupervisorOrAdmin]

    def get_queryset(self):
        return dead_letters_visible(user=self.request.user)


@extend_schema(
    summary="Payloads that could not be parsed, with their reason",
    description=(
        "Those of your departments; those that route to no department are for superusers alone "
        "(their text may be any ministry's)."
    ),
)
class DeadLetterListApi(_ScopedDeadLetters, ListAPIView):
    pass


@extend_schema(summary="One dead letter (404 when it is another department's)")
class DeadLetterDetailApi(_ScopedDeadLetters, RetrieveAPIView):
    pass


class DeadLetterReplayApi(APIView):
    permission_classes = [IsSupervisorOrAdmin]

    @extend_schema(
        summary="Parse a dead letter again; what parses now goes through the inbox",
        request=None,
        responses={200: DeadLetterOutputSerializer, **error_responses(401, 403, 404, 429)},
    )
    def post(self, request, pk: int) -> Response:
        letter = dead_letter_replay(actor=request.user, dead_letter_id=pk)
        return Response(DeadLetterOutputSerializer(letter).data)
