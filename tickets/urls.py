"""The HTML pages of tickets, at the site's root."""

from django.urls import path

from tickets.views import public_status, public_status_lookup

urlpatterns = [
    path("status/", public_status_lookup, name="public-status-lookup"),
    path("status/<str:number>/", public_status, name="public-status"),
]
