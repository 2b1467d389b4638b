from django.core.management.base import BaseCommand

from ingestion.replay import dead_letters_replay


class Command(BaseCommand):
    help = "Parse dead letters again (after a parser fix) and ingest those that now parse."

    def add_arguments(self, parser):
        parser.add_argument("--id", type=int, action="append", dest="ids", help="Only these dead letters")

    def handle(self, *args, ids=None, **options):
        result = dead_letters_replay(ids=ids)
        self.stdout.write(
            f"replayed: {result.replayed}; recovered tweets: {result.recovered}; still failing: {result.still_failing}"
        )
