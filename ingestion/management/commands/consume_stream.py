import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingestion.doors.stream import stream_consume


class Command(BaseCommand):
    help = (
        "Keep the X filtered stream's rules in step with the departments, read the stream into the inbox, "
        "and reconnect as X asks. Runs until interrupted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--max-seconds", type=float, help="stop after this long")
        parser.add_argument(
            "--max-reconnects", type=int, help="stop when a connection ends after this many reconnects"
        )

    def handle(self, *args: object, max_seconds: float | None, max_reconnects: int | None, **options: object) -> None:
        stop = threading.Event()
        # Ctrl-C and honcho's SIGTERM stop the reader and store what it read, instead of losing it.
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        self.stdout.write(f"Reading the filtered stream of {settings.X_API_BASE_URL}; Ctrl-C stops.")
        try:
            summary = stream_consume(max_seconds=max_seconds, max_reconnects=max_reconnects, stop=stop)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(
            f"connections {summary.connections}, reconnects {summary.reconnects}, keep-alives {summary.keep_alives}, "
            f"tweets {summary.received} ({summary.new} new, {summary.duplicates} duplicates), "
            f"dead letters {summary.dead_letters}, errors from X {summary.api_errors}; "
            f"rules set {summary.rule_syncs} times ({summary.rules_added} added, {summary.rules_deleted} deleted, "
            f"{summary.rules_refused} refused by X)"
        )
        if summary.fatal:
            raise CommandError(f"The stream stopped: {summary.stop_reason}")
        self.stdout.write(f"Stopped: {summary.stop_reason}")
