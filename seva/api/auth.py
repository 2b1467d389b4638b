"""The API's sign-in: a username and password for a token."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from seva.api.schema import error_responses
from seva.api.throttling import AuthTokenRateThrottle
from tickets.services import api_token_obtain


class AuthTokenApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthTokenRateThrottle]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})

        class Meta:
            ref_name = "AuthTokenInput"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

        class Meta:
            ref_name = "AuthTokenOutput"

    @extend_schema(
        summary="A username and password for an API token (send it as `Authorization: Token <token>`)",
        request=InputSerializer,
        responses={200: OpenApiResponse(OutputSerializer), **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = api_token_obtain(**serializer.validated_data, request=request)
        return Response(self.OutputSerializer({"token": token}).data)
