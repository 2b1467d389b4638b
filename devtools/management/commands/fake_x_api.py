"""Run the fake X API on a local port, for the demo and the simulator (no network needed)."""

import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from departments.models import OfficialAccount
from devtools.fake_x import Endpoint, FakeXApi
from devtools.fake_x.faults import DEFAULT_APP_POST_LIMIT, DEFAULT_RATE_LIMITS
from ingestion.x_client import FAKE_APP_TOKEN


class Command(BaseCommand):
    help = (
        "Serve a fake X API v2 (recent search, filtered stream and rules, POST /2/tweets, user timelines, "
        "OAuth 2.0 PKCE authorize and token endpoints) plus /_fake/tweets, /_fake/posted and /_fake/faults, "
        "until interrupted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--keepalive", type=float, default=20.0, help="seconds between stream keep-alive lines (X: 20)"
        )
        parser.add_argument(
            "--post-limit",
            type=int,
            default=DEFAULT_RATE_LIMITS[Endpoint.POST],
            help="posts per account per 15 minutes (X: 100)",
        )
        parser.add_argument(
            "--oauth-token-lifetime",
            type=int,
            default=7200,
            help="seconds an OAuth 2.0 access token from /2/oauth2/token lives (X: 7,200)",
        )
        parser.add_argument(
            "--app-post-limit", type=int, default=DEFAULT_APP_POST_LIMIT, help="posts per app per 24 hours (X: 10,000)"
        )

    def handle(
        self,
        *args: object,
        host: str,
        port: int,
        keepalive: float,
        post_limit: int,
        app_post_limit: int,
        oauth_token_lifetime: int,
        **options: object,
    ) -> None:
        # Accept the very tokens the app is configured with, so XClient and the fake agree out of the box.
        fake = FakeXApi(
            host,
            port,
            keepalive_interval=keepalive,
            app_token=settings.X_API_BEARER_TOKEN or FAKE_APP_TOKEN,
            user_tokens={
                token: handle.removeprefix("@")
                for handle, value in settings.X_ACCOUNT_TOKENS.items()
                if (token := value if isinstance(value, str) else (value or {}).get("access_token"))
            },
            rate_limits={Endpoint.POST: post_limit},
            app_post_limit=app_post_limit,
            oauth_token_lifetime=oauth_token_lifetime,
        )
        # The official accounts as X users, so an admin connecting one through the fake's OAuth pages
        # gets tokens for the account's own user id.
        try:
            accounts = [
                {"id": account["x_user_id"], "username": account["handle"], "name": account["handle"]}
                for account in OfficialAccount.objects.values("x_user_id", "handle")
            ]
        except DatabaseError as error:
            self.stderr.write(f"No official accounts loaded as X users ({error}); connecting them will be refused.")
            accounts = []
        fake.add_tweets([], accounts)
        with fake:
            self.stdout.write(f"Fake X API at {fake.base_url} (set X_API_BASE_URL to it); Ctrl-C stops it.")
            self.stdout.write(
                f"OAuth 2.0: {fake.base_url}/i/oauth2/authorize and {fake.base_url}/2/oauth2/token "
                "(the authorize page asks which account to sign in as)."
            )
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                self.stdout.write("Stopping.")
