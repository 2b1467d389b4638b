"""The API's sign-in: a username, a password and, where two-factor sign-in is on, a one-time
code, for a token; and revoking tokens. The work is in accounts.services; these views translate."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import api_token_obtain, api_token_revoke, api_tokens_revoke_all
from seva.api.authentication import ApiTokenAuthentication
from seva.api.schema import ApiErrorSerializer, error_responses
from seva.api.throttling import AuthTokenRateThrottle
from seva.two_factor import two_factor_enrolment_required


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
        token = serializers.CharField(help_text="Shown once: only a digest of it is stored.")
        expiry = serializers.DateTimeField(help_text="When the token stops working; then ask for a new one.")

        class Meta:
            ref_name = "AuthTokenOutput"

    @extend_schema(
        summary="A username and password (and one-time code) for an API token",
        description=(
            "Send the token as `Authorization: Token <token>`. Each call issues a new token, which "
            f"expires after {settings.SEVA_API_TOKEN_TTL_DAYS} days (`expiry`) and can be revoked "
            "sooner (`/api/v1/auth/token/revoke/`); a password change revokes all of a user's tokens. "
            "A user with two-factor sign-in on (a confirmed TOTP device) must also send `otp`, the "
            "code their authenticator app shows; a user whose role requires two-factor sign-in gets "
            "no token until they have set it up in the workspace. Five failed sign-ins for one "
            "username from one address (a wrong password or a wrong code) lock that pair out for "
            "15 minutes."
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
            403: OpenApiResponse(
                ApiErrorSerializer,
                description=(
                    "`otp_enrolment_required`: the password is right, but the user's role requires "
                    "two-factor sign-in and they have not set it up yet (at `/accounts/2fa/`)."
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
        # A refusal (SignInRefused) is answered by the API's exception handler, Retry-After and all.
        token, key = api_token_obtain(
            **serializer.validated_data, request=request, enrolment_required=two_factor_enrolment_required
        )
        return Response(self.OutputSerializer({"token": key, "expiry": token.expiry}).data)


class AuthTokenRevokeApi(APIView):
    # Only a token can name itself: a session has no current token.
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Revoke the token this request is sent with",
        description="The token stops working at once (signing out a program). Other tokens are kept.",
        request=None,
        responses={204: OpenApiResponse(description="Revoked."), **error_responses(401, 429)},
    )
    def post(self, request) -> Response:
        api_token_revoke(token=request.auth, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthTokenRevokeAllApi(APIView):
    # With a token, as a program signs out everywhere; in the browser, a password change does it.
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Revoke every API token of the signed-in user",
        description="All the user's tokens stop working at once, including the one this request is sent with.",
        request=None,
        responses={204: OpenApiResponse(description="Revoked."), **error_responses(401, 429)},
    )
    def post(self, request) -> Response:
        api_tokens_revoke_all(user=request.user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
