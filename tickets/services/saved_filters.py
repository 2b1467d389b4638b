"""A user's saved queue filters: personal, so only their owner reads or changes them (and they are no
audit matter: they change what one person sees first, nothing of a ticket)."""

from urllib.parse import urlencode

from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tickets.models import SavedFilter
from tickets.services.errors import ObjectNotFound, TicketActionError

# What a saved filter keeps of the query: the filters, never where a page or a refresh was.
NOT_SAVED = frozenset({"before", "after", "after_id"})
MAX_SAVED_FILTERS = 50


def saved_filter_query(query: str) -> str:
    params = QueryDict(query)
    return urlencode([(key, value) for key, values in params.lists() if key not in NOT_SAVED for value in values])


@transaction.atomic
def saved_filter_save(*, user: User, name: str, query: str) -> SavedFilter:
    """Save the queue's filters under `name`; a name the user already has is replaced."""
    name = name.strip()
    if not name:
        message = _("Give the filter a name.")
        raise TicketActionError("name_required", message, {"name": [message]})
    if len(name) > SavedFilter._meta.get_field("name").max_length:
        message = _("Give a shorter name (at most 80 characters).")
        raise TicketActionError("name_too_long", message, {"name": [message]})
    query = saved_filter_query(query)
    if len(query) > SavedFilter._meta.get_field("query").max_length:
        raise TicketActionError("filters_too_long", _("These filters are too long to save."))
    existing = SavedFilter.objects.select_for_update().filter(user=user, name=name).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query"])
        return existing
    if SavedFilter.objects.filter(user=user).count() >= MAX_SAVED_FILTERS:
        message = _("You have %(count)d saved filters; delete one first.") % {"count": MAX_SAVED_FILTERS}
        raise TicketActionError("too_many_filters", message, {"name": [message]})
    return SavedFilter.objects.create(user=user, name=name, query=query)


@transaction.atomic
def saved_filter_delete(*, user: User, saved_filter_id: int) -> None:
    """Delete one of the user's own saved filters; another user's is ObjectNotFound, as if absent."""
    deleted, _rows = SavedFilter.objects.filter(user=user, id=saved_filter_id).delete()
    if not deleted:
        raise ObjectNotFound(_("No such saved filter."))
