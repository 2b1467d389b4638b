from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print an API token for a user (the last line is the token alone)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        token, created = Token.objects.get_or_create(user=user)
        self.stderr.write(
            f"{'New' if created else 'Existing'} token for {username}; use: Authorization: Token <token>"
        )
        self.stdout.write(token.key)
