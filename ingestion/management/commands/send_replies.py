import time
from datetime import timedelta

from django.core.management.base import BaseCommand

from ingestion.delivery import replies_reconcile, replies_send_due
from ingestion.x_client import XClient


class Command(BaseCommand):
    help = "Post the outbox's due replies to X (and settle replies left half-sent), then print a summary."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=50, help="Post at most this many replies per run.")
        parser.add_argument("--loop", action="store_true", help="Keep running, every --interval seconds.")
        parser.add_argument("--interval", type=float, default=10.0)
        parser.add_argument(
            "--stale-after", type=float, default=120.0, help="Seconds after which a half-sent reply is looked up."
        )

    def handle(self, *args, limit: int, loop: bool, interval: float, stale_after: float, **options):
        with XClient() as client:
            while True:
                reconciled = replies_reconcile(client=client, older_than=timedelta(seconds=stale_after))
                if reconciled.checked:
                    self.stdout.write(f"Reconciled: {reconciled}")
                self.stdout.write(f"Replies: {replies_send_due(client=client, limit=limit)}")
                if not loop:
                    return
                time.sleep(interval)
