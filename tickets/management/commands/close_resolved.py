from django.core.management.base import BaseCommand

from tickets.management.commands.sweep_sla import parse_moment
from tickets.services.auto_close import tickets_close_resolved


class Command(BaseCommand):
    help = "Close the tickets resolved more than 7 days ago (what Celery beat runs hourly)."

    def add_arguments(self, parser):
        parser.add_argument("--now", type=parse_moment, help="as if it were this moment (ISO 8601)")

    def handle(self, *args, now=None, **options):
        self.stdout.write(f"Closed {tickets_close_resolved(now=now)} resolved tickets.")
