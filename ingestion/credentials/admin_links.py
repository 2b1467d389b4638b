"""What the official account's admin page shows of its credentials: status, expiry, scopes and the
"Connect on X" link. Never a token."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from departments.models import OfficialAccount
from ingestion.models import AccountCredential


def credential_summary(*, account: OfficialAccount) -> str:
    """HTML for the account's row and page (the caller select_related "credential")."""
    connect_url = reverse("admin:ingestion_accountcredential_connect", args=[account.pk])
    try:
        credential = account.credential
    except AccountCredential.DoesNotExist:
        return format_html('{} · <a href="{}">{}</a>', _("Not connected"), connect_url, _("Connect on X"))
    expires = credential.expires_at.strftime("%Y-%m-%d %H:%M UTC") if credential.expires_at else _("unknown")
    return format_html(
        '{} · {} {} · <a href="{}">{}</a>',
        credential.get_status_display(),
        _("expires"),
        expires,
        connect_url,
        _("Connect again"),
    )
