"""The admin's "Connect on X": OAuth 2.0 with PKCE, from the official account to X and back.

connect: checks the admin may connect the account, keeps a fresh state and verifier in the session,
and sends the browser to X's authorize URL with the S256 challenge. callback: X sends the browser
back with the code and the state; the state must be the session's (else refused: another tab, a
forged link), the code is exchanged with the verifier, X is asked whom the tokens belong to, and
the service saves them. The session's entry is used once, whatever the outcome.
"""

import logging
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from departments.models import OfficialAccount
from ingestion.credentials.oauth import TokenEndpointError, pkce_request_new, token_exchange_code, token_owner
from ingestion.credentials.selectors import account_connect_allowed
from ingestion.credentials.services import CredentialMismatch, account_credential_connect

logger = logging.getLogger(__name__)

SESSION_KEY = "x_oauth_pending"
CALLBACK_URL_NAME = "admin:ingestion_accountcredential_callback"


def _redirect_uri(request: HttpRequest) -> str:
    return settings.X_OAUTH_REDIRECT_URI or request.build_absolute_uri(reverse(CALLBACK_URL_NAME))


def _back_to(account_id: int | None) -> HttpResponseRedirect:
    if account_id is None:
        return HttpResponseRedirect(reverse("admin:departments_officialaccount_changelist"))
    return HttpResponseRedirect(reverse("admin:departments_officialaccount_change", args=[account_id]))


def credential_connect_start(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(OfficialAccount, pk=account_id)
    if not account_connect_allowed(actor=request.user, account=account):
        raise PermissionDenied(_("Only a ministry admin of this account's ministry may connect it on X."))
    redirect_uri = _redirect_uri(request)
    pkce = pkce_request_new(redirect_uri=redirect_uri)
    request.session[SESSION_KEY] = {
        "state": pkce.state,
        "verifier": pkce.verifier,
        "account_id": account.pk,
        "redirect_uri": redirect_uri,
    }
    return HttpResponseRedirect(pkce.url)


def credential_connect_callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not isinstance(pending, dict) or not secrets.compare_digest(state.encode(), str(pending["state"]).encode()):
        logger.warning("credentials: OAuth callback refused for user %s: state does not match", request.user.pk)
        messages.error(
            request,
            _("The answer from X does not belong to a connection started here. Nothing was saved; start again."),
        )
        return _back_to(None)
    account_id = pending["account_id"]
    if request.GET.get("error"):
        messages.error(request, _("X did not authorize the app: %(error)s") % {"error": request.GET["error"][:100]})
        return _back_to(account_id)
    try:
        grant = token_exchange_code(
            code=request.GET.get("code", ""), verifier=pending["verifier"], redirect_uri=pending["redirect_uri"]
        )
        x_user_id, x_username = token_owner(access_token=grant.access_token)
        account_credential_connect(
            actor=request.user, account_id=account_id, grant=grant, x_user_id=x_user_id, x_username=x_username
        )
    except TokenEndpointError as error:
        logger.warning("credentials: connecting account %s failed: %s", account_id, error)
        messages.error(request, _("X refused to issue tokens: %(error)s") % {"error": error})
        return _back_to(account_id)
    except CredentialMismatch as error:
        messages.error(request, str(error))
        return _back_to(account_id)
    messages.success(request, _("The account is connected on X: replies are posted with its new tokens."))
    return _back_to(account_id)
