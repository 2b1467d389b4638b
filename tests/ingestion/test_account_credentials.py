"""The official accounts' posting credentials: encrypted at rest, refreshed before they expire,
connected by a ministry admin through OAuth 2.0 with PKCE in the admin, never shown again."""

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from departments.models import Department, OfficialAccount, Role
from ingestion.credentials.crypto import TokenKeyError, token_decrypt
from ingestion.credentials.oauth import TokenGrant, pkce_challenge
from ingestion.credentials.services import (
    CredentialUnavailable,
    account_credential_connect,
    account_credential_import,
    account_credential_refresh,
    account_credentials_reencrypt,
    account_credentials_refresh_due,
    posting_token_get,
)
from ingestion.delivery import replies_send_due
from ingestion.models import AccountCredential, CredentialSource, CredentialStatus
from ingestion.x_client import OAuth1Pair, oauth1_signature
from tests.factories import member
from tests.ingestion.factories import BSNL, tweet_id_of, v2_tweet
from tickets.models import AuditEvent, Delivery, EventKind, MessageKind, TicketMessage
from tickets.posting_budget import posting_budget_forget

HANDLE, X_USER_ID = BSNL


@pytest.fixture
def oauth_x(fake_x, settings, seeded):
    """The fake X API as the OAuth server too, signed in as @BSNLCorporate (with its real user id)."""
    settings.X_OAUTH_AUTHORIZE_URL = f"{fake_x.base_url}/i/oauth2/authorize"
    settings.X_OAUTH_TOKEN_URL = f"{fake_x.base_url}/2/oauth2/token"
    settings.X_OAUTH_CLIENT_ID, settings.X_OAUTH_CLIENT_SECRET = "seva-test-client", ""
    settings.SEVA_2FA_REQUIRED_ROLES = ()
    fake_x.add_tweets([], [{"id": X_USER_ID, "username": HANDLE, "name": "BSNL"}])
    fake_x.oauth.signed_in_as = HANDLE
    account_ids = list(OfficialAccount.objects.values_list("id", flat=True))
    posting_budget_forget(account_ids=account_ids)
    yield fake_x
    posting_budget_forget(account_ids=account_ids)


@pytest.fixture
def bsnl_account(seeded) -> OfficialAccount:
    return OfficialAccount.objects.get(handle=HANDLE)


def fake_grant(fake, *, scopes: str = "tweet.read tweet.write users.read offline.access") -> TokenGrant:
    """Tokens from the fake X through its own authorize and token endpoints, as the admin's flow gets them."""
    verifier = "v" * 50
    with httpx.Client(base_url=fake.base_url) as http:
        authorized = http.get(
            "/i/oauth2/authorize",
            params={
                "response_type": "code",
                "client_id": "seva-test-client",
                "redirect_uri": "http://testserver/cb",
                "scope": scopes,
                "state": "s",
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            },
        )
        code = parse_qs(urlsplit(authorized.headers["location"]).query)["code"][0]
        body = http.post(
            "/2/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://testserver/cb",
                "code_verifier": verifier,
                "client_id": "seva-test-client",
            },
        ).json()
    return TokenGrant(
        body["access_token"],
        body.get("refresh_token", ""),
        timezone.now() + timedelta(seconds=body["expires_in"]),
        body["scope"],
    )


def connect(fake, account: OfficialAccount) -> TokenGrant:
    grant = fake_grant(fake)
    account_credential_connect(
        actor=User.objects.get(username="admin"), account_id=account.pk, grant=grant, x_user_id=X_USER_ID
    )
    return grant


def expire(account: OfficialAccount, fake) -> None:
    """What two hours do: X no longer takes the access token, and we know its expiry has passed."""
    fake.oauth.expire_access_tokens()
    AccountCredential.objects.filter(account=account).update(expires_at=timezone.now() - timedelta(minutes=1))


@pytest.fixture
def complaint(oauth_x, ingest_lines):
    def make(text: str = "@BSNLCorporate my landline is dead #BSNLSeva") -> TicketMessage:
        page = v2_tweet(text, mentions=[BSNL])
        oauth_x.add_tweets(page["data"], page["includes"]["users"])
        ingest_lines(page)
        ticket = TicketMessage.objects.get(tweet_id=int(tweet_id_of(page))).ticket
        return ticket.messages.get(kind=MessageKind.ACKNOWLEDGEMENT)

    return make


# --- refreshed before they expire ------------------------------------------------------------


def test_an_expired_user_token_is_refreshed_before_a_post_and_the_post_succeeds(oauth_x, bsnl_account, complaint):
    first = connect(oauth_x, bsnl_account)
    expire(bsnl_account, oauth_x)
    ack = complaint()

    summary = replies_send_due()

    ack.refresh_from_db()
    [post] = oauth_x.posted
    assert (summary.sent, ack.delivery, post.account, ack.tweet_id) == (1, Delivery.SENT, HANDLE, int(post.id))
    assert oauth_x.oauth.refreshes == 1
    credential = AccountCredential.objects.get(account=bsnl_account)
    assert credential.expires_at > timezone.now() + timedelta(minutes=30)
    assert token_decrypt(credential.access_token_encrypted) != first.access_token
    # The old refresh token was spent; the new one was kept.
    assert token_decrypt(credential.refresh_token_encrypted) not in ("", first.refresh_token)
    [event] = AuditEvent.objects.filter(kind=EventKind.ACCOUNT_REFRESHED)
    assert event.data["handle"] == HANDLE


def test_the_beat_refreshes_only_tokens_expiring_within_the_margin(oauth_x, bsnl_account, seeded):
    connect(oauth_x, bsnl_account)  # the fake's tokens live two hours
    assert account_credentials_refresh_due(margin=timedelta(minutes=10)).refreshed == 0

    summary = account_credentials_refresh_due(margin=timedelta(hours=3))

    assert (summary.refreshed, summary.failed, oauth_x.oauth.refreshes) == (1, 0, 1)


def test_the_beat_task_renews_an_expiring_token_every_minute(oauth_x, bsnl_account, settings):
    from ingestion.tasks import account_tokens_refresh

    connect(oauth_x, bsnl_account)
    expire(bsnl_account, oauth_x)

    account_tokens_refresh.apply()

    assert AccountCredential.objects.get(account=bsnl_account).expires_at > timezone.now()
    assert oauth_x.oauth.refreshes == 1
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["ingestion.tasks.account_tokens_refresh"] == 60.0


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_spend_the_single_use_refresh_token_once(oauth_x, bsnl_account):
    connect(oauth_x, bsnl_account)
    expire(bsnl_account, oauth_x)
    start = threading.Barrier(2)
    results, errors = [], []

    def worker() -> None:
        try:
            start.wait(timeout=5)
            credential = account_credential_refresh(account_id=bsnl_account.pk, margin=timedelta(minutes=1))
            results.append(credential.status)
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert results == [CredentialStatus.ACTIVE, CredentialStatus.ACTIVE]
    assert oauth_x.oauth.refreshes == 1
    assert AuditEvent.objects.filter(kind=EventKind.ACCOUNT_REFRESHED).count() == 1


def test_a_refused_refresh_keeps_the_reply_in_the_outbox_and_shows_on_the_credential(oauth_x, bsnl_account, complaint):
    connect(oauth_x, bsnl_account)
    expire(bsnl_account, oauth_x)
    oauth_x.oauth.revoke_refresh_tokens()  # e.g. the account's owner revoked the app on X
    ack = complaint()

    summary = replies_send_due()

    ack.refresh_from_db()
    credential = AccountCredential.objects.get(account=bsnl_account)
    assert (summary.waiting_for_credentials, oauth_x.posted) == (1, [])
    assert (ack.delivery, ack.attempts) == (Delivery.QUEUED, 0)
    assert "invalid_grant" in ack.last_error
    assert credential.status == CredentialStatus.RECONNECT
    assert "invalid_grant" in credential.last_error
    [event] = AuditEvent.objects.filter(kind=EventKind.ACCOUNT_REFRESH_FAILED)
    assert event.data["reconnect"] is True

    # Connected again, the waiting reply goes out.
    connect(oauth_x, bsnl_account)
    TicketMessage.objects.filter(pk=ack.pk).update(next_attempt_at=timezone.now())
    assert replies_send_due().sent == 1


def test_an_unreachable_token_endpoint_is_retried_not_given_up(oauth_x, bsnl_account, settings):
    connect(oauth_x, bsnl_account)
    expire(bsnl_account, oauth_x)
    settings.X_OAUTH_TOKEN_URL = "http://127.0.0.1:9/2/oauth2/token"  # nothing listens on the discard port

    with pytest.raises(CredentialUnavailable):
        posting_token_get(account_id=bsnl_account.pk)

    credential = AccountCredential.objects.get(account=bsnl_account)
    assert credential.status == CredentialStatus.REFRESH_FAILED
    settings.X_OAUTH_TOKEN_URL = f"{oauth_x.base_url}/2/oauth2/token"
    assert account_credentials_refresh_due().refreshed == 1
    assert posting_token_get(account_id=bsnl_account.pk)


# --- encrypted at rest -----------------------------------------------------------------------


def test_a_token_is_not_readable_from_the_database_without_the_key(bsnl_account, settings):
    account_credential_import(
        account_id=bsnl_account.pk,
        access_token="plain-access-token-4711",
        refresh_token="plain-refresh-token-4712",
        oauth1_token="plain-oauth1-token-4713",
        oauth1_secret="plain-oauth1-secret-4714",
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(c)::text FROM ingestion_accountcredential c")
        [(row,)] = cursor.fetchall()
    assert "plain-" not in row
    assert "4711" not in row
    assert "4714" not in row

    credential = AccountCredential.objects.get(account=bsnl_account)
    assert token_decrypt(credential.access_token_encrypted) == "plain-access-token-4711"
    wrong_key = [Fernet.generate_key().decode()]
    with pytest.raises(TokenKeyError):
        token_decrypt(credential.access_token_encrypted, keys=wrong_key)
    settings.SEVA_TOKEN_KEYS = wrong_key
    with pytest.raises(CredentialUnavailable):
        posting_token_get(account_id=bsnl_account.pk)


def test_rotating_keys_reencrypts_so_the_old_key_can_go(bsnl_account, settings):
    old = settings.SEVA_TOKEN_KEYS
    account_credential_import(account_id=bsnl_account.pk, access_token="rotate-me")
    new = [Fernet.generate_key().decode()]
    settings.SEVA_TOKEN_KEYS = new + old

    assert account_credentials_reencrypt() == 1

    settings.SEVA_TOKEN_KEYS = new
    assert posting_token_get(account_id=bsnl_account.pk) == "rotate-me"


# --- connected in the admin through OAuth 2.0 with PKCE ---------------------------------------


def start_connect(client, account: OfficialAccount) -> dict[str, str]:
    response = client.get(reverse("admin:ingestion_accountcredential_connect", args=[account.pk]))
    assert response.status_code == 302
    return {name: values[0] for name, values in parse_qs(urlsplit(response["Location"]).query).items()}


def authorize_on_fake_x(fake, query: dict[str, str]) -> dict[str, str]:
    """The browser at X's authorize URL: the fake approves and sends it back with the code."""
    answer = httpx.get(f"{fake.base_url}/i/oauth2/authorize", params=query)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert location.path == reverse("admin:ingestion_accountcredential_callback")
    return {name: values[0] for name, values in parse_qs(location.query).items()}


def test_a_ministry_admin_connects_an_account_through_pkce_in_the_admin(client, oauth_x, bsnl_account):
    ministry_admin = member(department=Department.objects.get(code="MOC"), role=Role.DEPARTMENT_ADMIN)
    client.force_login(ministry_admin)

    query = start_connect(client, bsnl_account)
    assert (query["code_challenge_method"], query["client_id"], query["response_type"]) == (
        "S256",
        "seva-test-client",
        "code",
    )
    assert "offline.access" in query["scope"].split()
    assert "tweet.write" in query["scope"].split()
    assert query["code_challenge"] != client.session["x_oauth_pending"]["verifier"]
    returned = authorize_on_fake_x(oauth_x, query)
    response = client.get(reverse("admin:ingestion_accountcredential_callback"), returned)

    assert response.status_code == 302
    credential = AccountCredential.objects.get(account=bsnl_account)
    assert (credential.status, credential.source, credential.connected_by) == (
        CredentialStatus.ACTIVE,
        CredentialSource.OAUTH2_PKCE,
        ministry_admin,
    )
    assert credential.x_user_id == X_USER_ID
    assert "offline.access" in credential.scopes
    [event] = AuditEvent.objects.filter(kind=EventKind.ACCOUNT_CONNECTED)
    assert (event.actor_id, event.data["handle"]) == (ministry_admin.pk, HANDLE)
    # The saved token posts as the account on the fake X.
    assert oauth_x.oauth.account_for(posting_token_get(account_id=bsnl_account.pk)) == HANDLE


def test_a_callback_whose_state_does_not_match_is_refused(client, oauth_x, bsnl_account):
    client.force_login(User.objects.get(username="admin"))
    returned = authorize_on_fake_x(oauth_x, start_connect(client, bsnl_account))

    forged = client.get(reverse("admin:ingestion_accountcredential_callback"), {**returned, "state": "forged"})
    # The pending connection was used up by the refused answer: the right state no longer works either.
    replayed = client.get(reverse("admin:ingestion_accountcredential_callback"), returned)

    assert forged.status_code == replayed.status_code == 302
    assert not AccountCredential.objects.exists()
    assert not AuditEvent.objects.filter(kind=EventKind.ACCOUNT_CONNECTED).exists()


def test_tokens_for_another_x_user_than_the_account_are_refused(client, oauth_x, bsnl_account):
    oauth_x.add_tweets([], [{"id": "999888777", "username": "someone_else", "name": "Someone"}])
    oauth_x.oauth.signed_in_as = "someone_else"
    client.force_login(User.objects.get(username="admin"))

    returned = authorize_on_fake_x(oauth_x, start_connect(client, bsnl_account))
    client.get(reverse("admin:ingestion_accountcredential_callback"), returned)

    assert not AccountCredential.objects.exists()


def test_a_department_admin_who_is_no_ministry_admin_cannot_connect(client, oauth_x, bsnl_account):
    bsnl_admin = member(department=Department.objects.get(code="BSNL"), role=Role.DEPARTMENT_ADMIN)
    client.force_login(bsnl_admin)

    response = client.get(reverse("admin:ingestion_accountcredential_connect", args=[bsnl_account.pk]))

    assert response.status_code == 403
    assert "x_oauth_pending" not in client.session
    with pytest.raises(PermissionDenied):
        account_credential_connect(
            actor=bsnl_admin, account_id=bsnl_account.pk, grant=fake_grant(oauth_x), x_user_id=X_USER_ID
        )
    assert not AccountCredential.objects.exists()


def test_the_token_text_never_appears_in_admin_pages(client, oauth_x, bsnl_account):
    grant = connect(oauth_x, bsnl_account)
    credential = AccountCredential.objects.get(account=bsnl_account)
    secrets = [grant.access_token, grant.refresh_token, credential.access_token_encrypted]
    client.force_login(User.objects.get(username="admin"))
    pages = [
        reverse("admin:ingestion_accountcredential_changelist"),
        reverse("admin:ingestion_accountcredential_change", args=[credential.pk]),
        reverse("admin:ingestion_accountcredential_delete", args=[credential.pk]),
        reverse("admin:departments_officialaccount_changelist"),
        reverse("admin:departments_officialaccount_change", args=[bsnl_account.pk]),
    ]

    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert not [secret for secret in secrets if secret in html], page
    assert "Connected" in client.get(pages[4]).content.decode()


def test_disconnecting_in_the_admin_forgets_the_tokens_with_an_audit_event(client, oauth_x, bsnl_account):
    connect(oauth_x, bsnl_account)
    credential = AccountCredential.objects.get(account=bsnl_account)
    client.force_login(User.objects.get(username="admin"))

    client.post(reverse("admin:ingestion_accountcredential_delete", args=[credential.pk]), {"post": "yes"})

    assert not AccountCredential.objects.exists()
    assert AuditEvent.objects.filter(kind=EventKind.ACCOUNT_DISCONNECTED, data__handle=HANDLE).exists()


# --- X_ACCOUNT_TOKENS, loaded once -----------------------------------------------------------


def test_load_account_tokens_imports_x_account_tokens_encrypted(bsnl_account, settings):
    settings.X_ACCOUNT_TOKENS = {
        "@bsnlcorporate": {
            "access_token": "env-token",
            "refresh_token": "env-refresh",
            "expires_at": "2030-01-01T00:00:00Z",
        }
    }

    call_command("load_account_tokens", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123

    credential = AccountCredential.objects.get(account=bsnl_account)
    assert credential.source == CredentialSource.IMPORTED
    assert token_decrypt(credential.refresh_token_encrypted) == "env-refresh"
    assert posting_token_get(account_id=bsnl_account.pk) == "env-token"
    assert AuditEvent.objects.filter(kind=EventKind.ACCOUNT_CONNECTED, data__source="imported").count() == 1


def test_load_account_tokens_refuses_a_handle_that_is_no_official_account(seeded, settings):
    settings.X_ACCOUNT_TOKENS = {"NotOurs": "token"}
    with pytest.raises(CommandError, match="notours"):
        call_command("load_account_tokens")
    assert not AccountCredential.objects.exists()


def test_the_demo_posts_through_the_fake_x_with_tokens_from_the_database(oauth_x, complaint, settings):
    settings.X_ACCOUNT_TOKENS = {}
    call_command("load_account_tokens", "--demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    ack = complaint()

    assert AccountCredential.objects.count() == OfficialAccount.objects.count()
    assert replies_send_due().sent == 1
    ack.refresh_from_db()
    assert ack.delivery == Delivery.SENT


# --- OAuth 1.0a pairs ------------------------------------------------------------------------


def test_the_oauth1_signature_is_the_one_xs_documentation_computes():
    # X's worked example, docs "Creating a signature" (fundamentals/authentication/oauth-1-0a).
    params = {
        "include_entities": "true",
        "status": "Hello Ladies + Gentlemen, a signed OAuth request!",
        "oauth_consumer_key": "xvz1evFS4wEEPTGEFPHBog",
        "oauth_nonce": "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "1318622958",
        "oauth_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "oauth_version": "1.0",
    }
    signature = oauth1_signature(
        method="POST",
        url="https://api.twitter.com/1.1/statuses/update.json",
        params=params,
        consumer_secret="kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        token_secret="LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    )
    assert signature == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


@pytest.mark.parametrize(("secret", "posted"), [("pair-secret", True), ("not-the-secret", False)])
def test_an_account_with_only_an_oauth1_pair_posts_with_a_signed_request(
    oauth_x, bsnl_account, complaint, settings, secret, posted
):
    settings.X_API_CONSUMER_KEY, settings.X_API_CONSUMER_SECRET = oauth_x.consumer_key, oauth_x.consumer_secret
    oauth_x.oauth1_tokens = {"pair-token": ("pair-secret", HANDLE)}
    account_credential_import(account_id=bsnl_account.pk, oauth1_token="pair-token", oauth1_secret=secret)
    ack = complaint()

    summary = replies_send_due()

    ack.refresh_from_db()
    assert (summary.sent, len(oauth_x.posted)) == ((1, 1) if posted else (0, 0))
    assert ack.delivery == (Delivery.SENT if posted else Delivery.QUEUED)
    assert isinstance(posting_token_get(account_id=bsnl_account.pk), OAuth1Pair)
