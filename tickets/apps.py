from django.apps import AppConfig


def _request_path(request) -> str:
    return request.path if request is not None else ""


def _on_user_logged_in(sender, request=None, user=None, **kwargs) -> None:
    from seva.client_address import client_address
    from tickets.services import login_record

    login_record(user=user, ip_address=client_address(request), path=_request_path(request))


def _on_user_login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    from seva.client_address import client_address
    from tickets.services import login_failed_record

    username = str((credentials or {}).get("username", ""))
    login_failed_record(username=username, ip_address=client_address(request), path=_request_path(request))


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        # Every sign-in door (the admin, the API token exchange) is an audit event. The receivers
        # only call the services; tickets depends on accounts, never the reverse.
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        user_logged_in.connect(_on_user_logged_in, dispatch_uid="tickets.audit.login")
        user_login_failed.connect(_on_user_login_failed, dispatch_uid="tickets.audit.login_failed")
