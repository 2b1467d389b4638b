from django.contrib.auth.views import LogoutView
from django.urls import path

from accounts.views import two_factor_setup, two_factor_verify

app_name = "accounts"

urlpatterns = [
    path("2fa/", two_factor_setup, name="two-factor"),
    path("2fa/verify/", two_factor_verify, name="two-factor-verify"),
    # A session that owes its code or its enrolment cannot reach the admin's own logout: it gets this one.
    path("logout/", LogoutView.as_view(next_page="admin:login"), name="logout"),
]
