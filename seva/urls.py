from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from ingestion.webhook import x_webhook
from seva.api.auth import AuthTokenApi
from seva.health import healthz

api_v1 = [
    path("auth/token/", AuthTokenApi.as_view(), name="auth-token"),
    path("", include("departments.api.urls")),
    path("", include("tickets.api.urls")),
    path("", include("ingestion.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("webhooks/x/", x_webhook, name="x-webhook"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("", include("tickets.urls")),
    path("desk/", include("tickets.workspace.urls")),
]
