"""The API's token: `Authorization: Token <token>`, a django-rest-knox token (stored as a digest,
expiring, revocable; see accounts.services). The workspace and the admin use sessions."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from rest_framework import exceptions


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token authentication; an expired or revoked token is a 401 like a wrong one."""

    def authenticate_credentials(self, token: bytes):
        # knox decodes the header as UTF-8 and would fail with a 500 on other bytes.
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)


class ApiTokenScheme(KnoxTokenScheme):
    """Names the scheme in the OpenAPI schema (drf-spectacular's knox extension, for our subclass)."""

    target_class = "seva.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
