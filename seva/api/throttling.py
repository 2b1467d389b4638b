"""DRF's throttles, counting per client address as seva.client_address reads it (the lockout does too),
with their rates read at request time (DRF reads them once, at import), so tests can change them."""

from django.conf import settings
from rest_framework import throttling
from rest_framework.settings import api_settings

from seva.client_address import client_address

# Also in settings (DEFAULT_THROTTLE_RATES["auth_token"]); used when a settings file leaves it out.
DEFAULT_RATE = "10/minute"


class ClientAddressMixin:
    scope: str
    default_rate: str | None = None

    def get_ident(self, request) -> str:
        # DRF's own reading of X-Forwarded-For takes whatever text sits there; ours takes only an address.
        return client_address(request) or ""

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope, self.default_rate)


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    pass


class AddressRateThrottle(ClientAddressMixin, throttling.SimpleRateThrottle):
    """Per client address, signed in or not."""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthTokenRateThrottle(AddressRateThrottle):
    """Password guesses per client address at the token exchange, whoever they are for."""

    scope = "auth_token"
    default_rate = DEFAULT_RATE


class SignInRateThrottle(AddressRateThrottle):
    """Sign-in attempts per client address at the workspace's and the admin's login pages, whoever
    they are for (django-axes locks one username and address; this bounds one address's guesses)."""

    scope = "sign_in"

    def get_rate(self) -> str:
        return settings.SEVA_SIGN_IN_RATE


class StatusPageRateThrottle(AddressRateThrottle):
    """The public status page, per client address: the public API's anonymous rate and count, so a
    crawler gets one budget whether it reads the page or the API."""

    scope = "anon"
