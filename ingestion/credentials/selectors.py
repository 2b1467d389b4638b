"""Reads of the accounts' credentials and who may connect them. No token text leaves here."""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from departments.models import OfficialAccount, Role
from departments.selectors import department_ancestor_ids, user_has_role
from ingestion.models import AccountCredential, CredentialStatus


def account_ministry_id(*, account: OfficialAccount) -> int:
    """The root of the account's department tree: its ministry."""
    return department_ancestor_ids(department_id=account.department_id)[-1]


def account_connect_allowed(*, actor, account: OfficialAccount) -> bool:
    """Only a ministry admin of the account's ministry (or a superuser) connects or disconnects it:
    its tokens post in the ministry's name."""
    if not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return user_has_role(user=actor, department_id=account_ministry_id(account=account), roles=[Role.DEPARTMENT_ADMIN])


def credentials_refresh_due(*, margin: timedelta, now: datetime | None = None) -> QuerySet[AccountCredential]:
    """Credentials with a refresh token whose access token expires within `margin` (or has), and
    that X has not refused for good; soonest first."""
    now = now or timezone.now()
    return (
        AccountCredential.objects.filter(expires_at__lte=now + margin)
        .filter(~Q(refresh_token_encrypted="") & ~Q(status=CredentialStatus.RECONNECT))
        .order_by("expires_at")
    )
