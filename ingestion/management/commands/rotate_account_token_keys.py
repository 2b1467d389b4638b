"""Encrypt every stored account token again with the first of SEVA_TOKEN_KEYS.

Rotation: put the new key first in SEVA_TOKEN_KEYS (the old one after it), restart, run this, then
drop the old key."""

from django.core.management.base import BaseCommand

from ingestion.credentials.services import account_credentials_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt the official accounts' stored tokens with the first key of SEVA_TOKEN_KEYS."

    def handle(self, *args: object, **options: object) -> None:
        count = account_credentials_reencrypt()
        self.stdout.write(f"Re-encrypted the credentials of {count} account(s).")
