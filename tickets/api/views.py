from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.utils.urls import replace_query_param

from seva.api.pagination import SevaCursorPagination
from seva.api.schema import READ_ONE_ERRORS, error_responses
from tickets.api.filters import ORDERING_URGENCY, TicketFilter
from tickets.api.serializers import TicketDetailOutputSerializer, TicketListOutputSerializer
from tickets.models import Ticket
from tickets.selectors import UrgencyCursor, queue_urgency_page, ticket_get, ticket_list


class TicketCursorPagination(SevaCursorPagination):
    """Newest first; with `ordering=urgency` the queue's order, by a keyset on the urgency index's own
    columns (tickets.selectors.queue_urgency_page), forward only: many tickets share a due-time key
    (every closed one), which DRF's position-and-offset cursor could not page through."""

    def paginate_queryset(self, queryset, request, view=None):
        self.urgency = request.query_params.get("ordering") == ORDERING_URGENCY
        if not self.urgency:
            return super().paginate_queryset(queryset, request, view)
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        after = UrgencyCursor.decode(token) if token else None
        if token and after is None:
            raise NotFound(self.invalid_cursor_message)
        rows, next_cursor = queue_urgency_page(tickets=queryset, after=after, size=self.page_size)
        self.next_token = next_cursor.encode() if next_cursor else None
        return rows

    def get_next_link(self):
        if not self.urgency:
            return super().get_next_link()
        if self.next_token is None:
            return None
        return replace_query_param(self.base_url, self.cursor_query_param, self.next_token)

    def get_previous_link(self):
        return super().get_previous_link() if not self.urgency else None


@extend_schema(
    summary="Tickets the user can see, newest first or by urgency (ordering=urgency)",
    responses={200: TicketListOutputSerializer(many=True), **error_responses(400, 401, 404, 429)},
)
class TicketListApi(ListAPIView):
    serializer_class = TicketListOutputSerializer
    filterset_class = TicketFilter
    pagination_class = TicketCursorPagination

    def get_queryset(self):
        return ticket_list(user=self.request.user)


@extend_schema(
    summary="One ticket with its messages and audit events",
    responses={200: TicketDetailOutputSerializer, **READ_ONE_ERRORS},
)
class TicketDetailApi(RetrieveAPIView):
    serializer_class = TicketDetailOutputSerializer

    def get_object(self):
        try:
            return ticket_get(user=self.request.user, number=self.kwargs["number"])
        except Ticket.DoesNotExist as exc:
            raise Http404 from exc
