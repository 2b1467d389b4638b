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


def _on_password_changed(sender, user=None, actor=None, tokens_revoked=0, **kwargs) -> None:
    from tickets.services.account_audit import password_changed_record

    password_changed_record(user=user, actor=actor, tokens_revoked=tokens_revoked)


def _on_api_token_issued(sender, user=None, actor=None, token=None, **kwargs) -> None:
    from tickets.services.account_audit import token_issued_record

    token_issued_record(user=user, actor=actor, token=token)


def _on_api_tokens_revoked(sender, user=None, actor=None, tokens=(), reason="", **kwargs) -> None:
    from tickets.services.account_audit import tokens_revoked_record

    tokens_revoked_record(user=user, actor=actor, tokens=tokens, reason=reason)


def _on_two_factor_enrolled(sender, user=None, actor=None, device=None, **kwargs) -> None:
    from tickets.services.account_audit import otp_enrolled_record

    otp_enrolled_record(user=user, actor=actor, device=device)


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        # Every sign-in door (the admin, the API token exchange) is an audit event. The receivers
        # only call the services; tickets depends on accounts, never the reverse.
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        user_logged_in.connect(_on_user_logged_in, dispatch_uid="tickets.audit.login")
        user_login_failed.connect(_on_user_login_failed, dispatch_uid="tickets.audit.login_failed")
        # Passwords, API tokens and two-factor enrolment (accounts.signals, sent inside the
        # transaction of the change, so each event commits with it).
        from accounts import signals

        signals.password_changed.connect(_on_password_changed, dispatch_uid="tickets.audit.password_changed")
        signals.api_token_issued.connect(_on_api_token_issued, dispatch_uid="tickets.audit.token_issued")
        signals.api_tokens_revoked.connect(_on_api_tokens_revoked, dispatch_uid="tickets.audit.tokens_revoked")
        signals.two_factor_enrolled.connect(_on_two_factor_enrolled, dispatch_uid="tickets.audit.otp_enrolled")
        # Intake kicks automatic assignment through this hook: services never import the tasks.
        from tickets.services.assignment import auto_assign_register
        from tickets.tasks import auto_assign_task, export_build_task

        auto_assign_register(enqueue=auto_assign_task.delay)
        # Big report exports are built by a worker, enqueued the same way.
        from tickets.exports.services import export_build_register

        export_build_register(enqueue=export_build_task.delay)
