"""Load the official accounts' posting tokens from X_ACCOUNT_TOKENS into the database, once.

X_ACCOUNT_TOKENS is a JSON object by handle: either the OAuth 2.0 user access token as a string, or
an object {"access_token", "refresh_token", "expires_at" (ISO 8601), "scopes", "oauth1_token",
"oauth1_secret"}. The tokens are stored encrypted (ingestion.credentials); afterwards the variable
can and should be removed from the environment: nothing else reads it. `--demo` also gives every
account without credentials the fake X API's token, for the demo against a local fake X API.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from departments.models import OfficialAccount
from ingestion.credentials.services import account_credential_import
from ingestion.models import AccountCredential
from ingestion.x_client import FAKE_USER_TOKEN_PREFIX, is_loopback

_FIELDS = {"access_token", "refresh_token", "expires_at", "scopes", "oauth1_token", "oauth1_secret"}


def _entry(handle: str, value: object) -> dict:
    if isinstance(value, str):
        return {"access_token": value}
    if not isinstance(value, dict) or not set(value) <= _FIELDS or not all(isinstance(v, str) for v in value.values()):
        raise CommandError(
            f"X_ACCOUNT_TOKENS[{handle!r}] must be a token or an object with {sorted(_FIELDS)} (strings)"
        )
    entry = dict(value)
    if entry.get("expires_at"):
        expires_at = parse_datetime(entry["expires_at"])
        if expires_at is None or expires_at.tzinfo is None:
            raise CommandError(f"X_ACCOUNT_TOKENS[{handle!r}].expires_at is not an ISO 8601 time with its offset")
        entry["expires_at"] = expires_at
    else:
        entry.pop("expires_at", None)
    if not entry.get("access_token") and not entry.get("oauth1_token"):
        raise CommandError(f"X_ACCOUNT_TOKENS[{handle!r}] has neither an access token nor an OAuth 1.0a token")
    if bool(entry.get("oauth1_token")) != bool(entry.get("oauth1_secret")):
        raise CommandError(f"X_ACCOUNT_TOKENS[{handle!r}]: an OAuth 1.0a token goes with its secret")
    return entry


class Command(BaseCommand):
    help = "Import X_ACCOUNT_TOKENS into the database (encrypted); run once, then drop the variable."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo",
            action="store_true",
            help="also give accounts without credentials the fake X API's token (a loopback X_API_BASE_URL only)",
        )

    def handle(self, *args: object, demo: bool, **options: object) -> None:
        tokens = settings.X_ACCOUNT_TOKENS
        if not isinstance(tokens, dict):
            raise CommandError('X_ACCOUNT_TOKENS must be a JSON object: {"<handle>": "<user access token>", ...}')
        entries = {handle.removeprefix("@").lower(): _entry(handle, value) for handle, value in tokens.items()}
        accounts = {account.handle.lower(): account for account in OfficialAccount.objects.all()}
        unknown = sorted(set(entries) - set(accounts))
        if unknown:
            raise CommandError(f"X_ACCOUNT_TOKENS names handles that are no official account: {', '.join(unknown)}")
        for handle, entry in entries.items():
            account_credential_import(account_id=accounts[handle].pk, **entry)
            self.stdout.write(f"@{accounts[handle].handle}: loaded")
        if demo:
            if not is_loopback(settings.X_API_BASE_URL):
                raise CommandError(
                    f"--demo is for a local fake X API, and X_API_BASE_URL is {settings.X_API_BASE_URL}"
                )
            connected = set(AccountCredential.objects.values_list("account_id", flat=True))
            for account in accounts.values():
                if account.pk not in connected:
                    account_credential_import(
                        account_id=account.pk, access_token=f"{FAKE_USER_TOKEN_PREFIX}{account.handle}"
                    )
                    self.stdout.write(f"@{account.handle}: fake X API token")
        if not entries and not demo:
            self.stdout.write("X_ACCOUNT_TOKENS is empty: nothing to load.")
