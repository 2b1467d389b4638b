from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView

from seva.api.schema import READ_ONE_ERRORS, error_responses
from tickets.api.filters import TicketFilter
from tickets.api.serializers import TicketDetailOutputSerializer, TicketListOutputSerializer
from tickets.models import Ticket
from tickets.selectors import ticket_get, ticket_list


@extend_schema(
    summary="Tickets the user can see, newest first",
    responses={200: TicketListOutputSerializer(many=True), **error_responses(400, 401, 429)},
)
class TicketListApi(ListAPIView):
    serializer_class = TicketListOutputSerializer
    filterset_class = TicketFilter

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
