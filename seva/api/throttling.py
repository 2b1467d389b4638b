"""DRF's throttles, counting per client address as seva.client_address reads it (the lockout does too)."""

from rest_framework import throttling
from rest_framework.settings import api_settings

from seva.client_address import client_address

# Also in settings (DEFAULT_THROTTLE_RATES["auth_token"]); used when a settings file leaves it out.
DEFAULT_RATE = "10/minute"


class ClientAddressMixin:
    def get_ident(self, request) -> str:
        # DRF's own reading of X-Forwarded-For takes whatever text sits there; ours takes only an address.
        return client_address(request) or ""


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    pass


class AuthTokenRateThrottle(ClientAddressMixin, throttling.SimpleRateThrottle):
    """Password guesses per client address at the token exchange, whoever they are for."""

    scope = "auth_token"

    def get_rate(self) -> str:
        # Read at request time (not at import, as DRF's class attribute is), so tests can change it.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope, DEFAULT_RATE)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
