from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from accounts import views as accounts_views
from ingestion.webhook import x_webhook
from seva.api.auth import AuthTokenApi, AuthTokenRevokeAllApi, AuthTokenRevokeApi
from seva.health import healthz

# The API docs are third-party pages (served from the sidecar, no CDN): their scripts are files of
# our origin (the split Swagger view serves its start-up script as one), but they set inline styles
# and draw icons from data: URLs. Only there are those allowed.
docs_csp = csp_update({"style-src": [SELF, UNSAFE_INLINE], "img-src": [SELF, "data:"], "worker-src": [SELF, "blob:"]})

api_v1 = [
    path("auth/token/", AuthTokenApi.as_view(), name="auth-token"),
    path("auth/token/revoke/", AuthTokenRevokeApi.as_view(), name="auth-token-revoke"),
    path("auth/token/revoke-all/", AuthTokenRevokeAllApi.as_view(), name="auth-token-revoke-all"),
    path("", include("departments.api.urls")),
    path("", include("tickets.api.urls")),
    path("", include("ingestion.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("webhooks/x/", x_webhook, name="x-webhook"),
    # Django's set_language, remembering a signed-in staff member's choice.
    path("i18n/setlang/", accounts_views.language_set, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path("api/redoc/", docs_csp(SpectacularRedocView.as_view(url_name="schema")), name="api-redoc"),
    path("", include("tickets.urls")),
    path("desk/", include("tickets.workspace.urls")),
]
