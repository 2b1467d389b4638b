"""Canned responses: everyone in scope reads them; supervisors of the department write them."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from departments.models import CannedResponse
from seva.api.schema import ACTION_ERRORS, AUTHENTICATED_ERRORS
from tickets.selectors import canned_response_list
from tickets.services import canned_response_create, canned_response_update


class CannedResponseOutputSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code")

    class Meta:
        model = CannedResponse
        fields = ("id", "department", "title", "text_en", "text_hi", "is_active")


class CannedResponseFilter(django_filters.FilterSet):
    department = django_filters.CharFilter(field_name="department__code", lookup_expr="iexact")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = CannedResponse
        fields: list[str] = []


@extend_schema(
    summary="The canned responses of the departments in your scope",
    responses={200: CannedResponseOutputSerializer(many=True), **AUTHENTICATED_ERRORS},
)
class CannedResponseListApi(ListAPIView):
    serializer_class = CannedResponseOutputSerializer
    filterset_class = CannedResponseFilter

    def get_queryset(self):
        return canned_response_list(user=self.request.user)


class CannedResponseCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        department = serializers.CharField(max_length=16, help_text="The department's code")
        title = serializers.CharField(max_length=100)
        text_en = serializers.CharField(max_length=5000)
        text_hi = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")

        class Meta:
            ref_name = "CannedResponseCreateInput"

    @extend_schema(
        summary="Write a canned response (supervisors and department admins of the department)",
        request=InputSerializer,
        responses={201: CannedResponseOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        response = canned_response_create(
            actor=request.user,
            department_code=data["department"],
            title=data["title"],
            text_en=data["text_en"],
            text_hi=data["text_hi"],
        )
        return Response(CannedResponseOutputSerializer(response).data, status=status.HTTP_201_CREATED)


class CannedResponseUpdateApi(APIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=100, required=False)
        text_en = serializers.CharField(max_length=5000, required=False)
        text_hi = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        is_active = serializers.BooleanField(required=False)

        class Meta:
            ref_name = "CannedResponseUpdateInput"

    @extend_schema(
        summary="Change a canned response: only the fields given (supervisors of its department)",
        request=InputSerializer,
        responses={200: CannedResponseOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request, canned_response_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        response = canned_response_update(
            actor=request.user, canned_response_id=canned_response_id, changes=serializer.validated_data
        )
        return Response(CannedResponseOutputSerializer(response).data)
