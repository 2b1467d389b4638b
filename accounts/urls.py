from django.contrib.auth.views import LogoutView
from django.urls import path

from accounts.views import two_factor_setup

app_name = "accounts"

urlpatterns = [
    path("2fa/", two_factor_setup, name="two-factor"),
    # A session that must enrol first cannot reach the admin's own logout, so it gets this one.
    path("logout/", LogoutView.as_view(next_page="admin:login"), name="logout"),
]
