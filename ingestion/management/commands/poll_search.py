from django.core.management.base import BaseCommand, CommandParser

from ingestion.doors.search import MAX_PAGES_PER_QUERY, search_poll


class Command(BaseCommand):
    help = "Poll X recent search once for every tracked query (one per department) and store what is new."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-pages", type=int, default=MAX_PAGES_PER_QUERY, help="pages per query before the next run goes on"
        )

    def handle(self, *args: object, max_pages: int, **options: object) -> None:
        summary = search_poll(max_pages=max_pages)
        for poll in summary.queries:
            self.stdout.write(
                f"{poll.tag:<8} {poll.status:<12} pages {poll.pages:>3}  received {poll.received:>5}  "
                f"new {poll.new:>5}  duplicates {poll.duplicates:>5}  dead letters {poll.dead_letters:>3}  "
                f"since_id {poll.since_id or '-'}\n         {poll.query}"
            )
            if poll.error:
                self.stderr.write(f"         {poll.error}")
        if not summary.queries:
            self.stderr.write("No department has a handle or hashtag to track (run seed_demo).")
        if summary.pause is not None:
            self.stderr.write(
                f"Recent search is paused until {summary.pause.until:%Y-%m-%d %H:%M:%S} UTC: {summary.pause.reason}"
            )
