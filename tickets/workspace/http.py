"""The workspace's request plumbing: sign-in required (htmx-aware), and telling htmx requests apart."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from seva.api.pagination import SevaCursorPagination

# A keyset page of the queue; the API's page size, so the two feel alike.
QUEUE_PAGE_SIZE = SevaCursorPagination.page_size
MAX_ID = 2**63 - 1


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def staff_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff only. A page request goes to the sign-in page and back; an htmx request (a
    session that expired while a page stayed open) makes the whole page go there."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        login_url = reverse("workspace:login")
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{login_url}?next={reverse('workspace:queue')}"
            return response
        return redirect_to_login(request.get_full_path(), login_url)

    return wrapper


def id_param(value: str | None) -> int | None:
    """A positive database id from a query parameter, or None."""
    if value and value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    return None
