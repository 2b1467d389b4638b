from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission

from departments.models import SUPERVISING_ROLES
from ingestion.models import DeadLetter


class IsSupervisorOrAdmin(BasePermission):
    message = "Dead letters are for supervisors and administrators."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated) and (
            user.is_superuser or user.memberships.filter(role__in=SUPERVISING_ROLES).exists()
        )


class DeadLetterOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeadLetter
        fields = ("id", "door", "reason", "tweet_id", "raw", "received_at", "replayed_at", "replay_result")


@extend_schema(summary="Payloads that could not be parsed, with their reason")
class DeadLetterListApi(ListAPIView):
    serializer_class = DeadLetterOutputSerializer
    permission_classes = [IsSupervisorOrAdmin]
    queryset = DeadLetter.objects.all()
