from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView

from seva.api.pagination import SevaCursorPagination
from seva.api.schema import READ_ONE_ERRORS, error_responses
from tickets.api.filters import ORDERING_URGENCY, TicketFilter
from tickets.api.serializers import TicketDetailOutputSerializer, TicketListOutputSerializer
from tickets.models import Ticket
from tickets.selectors import QUEUE_URGENCY_ORDER, ticket_get, ticket_list


class TicketCursorPagination(SevaCursorPagination):
    """Newest first, or with `ordering=urgency` the queue's order (served by its index; the cursor
    holds the due-time key, never null, and an offset among equal keys)."""

    def get_ordering(self, request, queryset, view):
        if request.query_params.get("ordering") == ORDERING_URGENCY:
            return QUEUE_URGENCY_ORDER
        return super().get_ordering(request, queryset, view)


@extend_schema(
    summary="Tickets the user can see, newest first or by urgency (ordering=urgency)",
    responses={200: TicketListOutputSerializer(many=True), **error_responses(400, 401, 429)},
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
