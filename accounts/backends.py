"""django-axes' lockout, as the first authentication backend."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out username and address before any password is checked (django-axes).

    Without a request there is no client address to lock out: a management command or the test
    client's `login()`. django-axes raises then; this lets the next backend decide instead, so
    request-less callers keep working. Every web door (the admin form, the token API) passes one."""

    def authenticate(self, request, username: str | None = None, password: str | None = None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
