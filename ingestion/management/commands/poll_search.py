from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ingestion.doors.search import MAX_PAGES_PER_QUERY, search_poll


def _age(moment, now) -> str:
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    return (
        f"{seconds // 3600}h{seconds % 3600 // 60:02d}m ago"
        if seconds >= 3600
        else f"{seconds // 60}m{seconds % 60:02d}s ago"
    )


class Command(BaseCommand):
    help = (
        "Poll X recent search once: this run's share of the app's request budget, spent on the queries whose "
        "turn it is (the longest waiting, then the busiest); prints each query polled and the ones most behind."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-pages", type=int, default=MAX_PAGES_PER_QUERY, help="pages per query before the next run goes on"
        )

    def handle(self, *args: object, max_pages: int, **options: object) -> None:
        summary = search_poll(max_pages=max_pages)
        now = timezone.now()
        for poll in summary.queries:
            self.stdout.write(
                f"{poll.tag:<16} {poll.status:<12} pages {poll.pages:>3}  received {poll.received:>5}  "
                f"new {poll.new:>5}  duplicates {poll.duplicates:>5}  dead letters {poll.dead_letters:>3}  "
                f"since_id {poll.since_id or '-'}  last polled {_age(poll.previously_polled_at, now)}  "
                f"newest tweet {_age(poll.newest_tweet_at, now)}\n         {poll.query}"
            )
            if poll.error:
                self.stderr.write(f"         {poll.error}")
        if not summary.tracked:
            self.stderr.write("No department has a handle or hashtag to track (run seed_demo).")
            return
        cycle = int(summary.cycle.total_seconds()) if summary.cycle else 0
        self.stdout.write(
            f"{summary.tracked} queries; this run polled {len(summary.queries)} with {summary.requests} of its "
            f"{summary.budget} requests (budget {settings.X_SEARCH_REQUESTS_PER_WINDOW} per "
            f"{settings.X_SEARCH_WINDOW_SECONDS // 60} min); every query is polled at least every {cycle // 60}m"
            f"{cycle % 60:02d}s"
        )
        for lag in summary.lagging:
            self.stdout.write(
                f"behind: {lag.tag:<16} last polled {_age(lag.polled_at, now)}, "
                f"newest tweet {_age(lag.newest_tweet_at, now)}"
            )
        if summary.pause is not None:
            self.stderr.write(
                f"Recent search is paused until {summary.pause.until:%Y-%m-%d %H:%M:%S} UTC: {summary.pause.reason}"
            )
