from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import api_token_issue


class Command(BaseCommand):
    help = "Issue a new API token for a user (the last line is the token alone; it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        # Run at the console: no actor (the TOKEN_ISSUED event says so).
        token, key = api_token_issue(user=user, actor=None)
        self.stderr.write(
            f"New token for {username}, valid until {token.expiry:%Y-%m-%d %H:%M %Z}; "
            "use: Authorization: Token <token>"
        )
        self.stdout.write(key)
