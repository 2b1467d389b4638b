from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

# Also in settings (DEFAULT_THROTTLE_RATES["auth_token"]); used when a settings file leaves it out.
DEFAULT_RATE = "10/minute"


class AuthTokenRateThrottle(SimpleRateThrottle):
    """Password guesses per client address at the token exchange, whoever they are for."""

    scope = "auth_token"

    def get_rate(self) -> str:
        # Read at request time (not at import, as DRF's class attribute is), so tests can change it.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope, DEFAULT_RATE)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
