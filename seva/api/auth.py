"""The API's sign-in: a username, a password and, where two-factor sign-in is on, a one-time
code, for a token. The work is accounts.services.api_token_obtain; this view only translates."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import SignInRefused, api_token_obtain
from seva.api.errors import error_response
from seva.api.schema import ApiErrorSerializer
from seva.api.throttling import AuthTokenRateThrottle


class AuthTokenApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthTokenRateThrottle]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
        otp = serializers.CharField(
            max_length=10,
            required=False,
            allow_blank=True,
            help_text="The one-time code from the authenticator app; needed when two-factor sign-in is on.",
        )

        class Meta:
            ref_name = "AuthTokenInput"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

        class Meta:
            ref_name = "AuthTokenOutput"

    @extend_schema(
        summary="A username and password (and one-time code) for an API token",
        description=(
            "Send the token as `Authorization: Token <token>`. A user with two-factor sign-in on "
            "(a confirmed TOTP device) must also send `otp`, the code their authenticator app shows. "
            "Five failed sign-ins for one username from one address (a wrong password or a wrong "
            "code) lock that pair out for 15 minutes."
        ),
        request=InputSerializer,
        responses={
            200: OpenApiResponse(OutputSerializer),
            400: OpenApiResponse(
                ApiErrorSerializer,
                description=(
                    "Bad input (`invalid`), or refused: `invalid_credentials` (wrong username or "
                    "password), `otp_required` (two-factor sign-in is on; send `otp`), `otp_invalid` "
                    "(wrong or expired code)."
                ),
            ),
            429: OpenApiResponse(
                ApiErrorSerializer,
                description=(
                    "`throttled` (too many requests from this address) or `locked_out` (too many "
                    "failed sign-ins for this username from this address); see Retry-After."
                ),
            ),
        },
        auth=[],
    )
    def post(self, request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = api_token_obtain(**serializer.validated_data, request=request)
        except SignInRefused as refused:
            response = error_response(code=refused.code, message=refused.message, http_status=refused.http_status)
            if refused.retry_after is not None:
                response["Retry-After"] = str(refused.retry_after)
            return response
        return Response(self.OutputSerializer({"token": token}).data)
