from django.urls import path

from tickets.api.views import TicketDetailApi, TicketListApi

urlpatterns = [
    path("tickets/", TicketListApi.as_view(), name="ticket-list"),
    path("tickets/<str:number>/", TicketDetailApi.as_view(), name="ticket-detail"),
]
