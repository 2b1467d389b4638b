from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SevaAdminConfig(AdminConfig):
    default_site = "departments.admin_scope.SevaAdminSite"


class SevaConfig(AppConfig):
    name = "seva"
    verbose_name = "Seva Desk"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from seva.sessions import session_signed_in

        # Every door that signs in (the workspace, the admin, test clients) starts the session's clocks.
        user_logged_in.connect(session_signed_in, dispatch_uid="seva.sessions.signed_in")
