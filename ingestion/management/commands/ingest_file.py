import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ingestion.files import FILE_BATCH_SIZE, ingest_stream


class _ProgressBar:
    """A one-line progress bar on a terminal; silent when output is not a terminal."""

    def __init__(self, total: int, stream) -> None:
        self.total, self.stream, self.started = max(total, 1), stream, time.monotonic()
        self.enabled = stream.isatty()

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        fraction = min(done / self.total, 1.0)
        width = 30
        filled = int(fraction * width)
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:6.1%}  {elapsed:5.1f} s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Ingest a JSON Lines file of X API v2 responses, v2 tweets or v1.1 webhook payloads."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--batch-size", type=int, default=FILE_BATCH_SIZE)

    def handle(self, *args, path: Path, batch_size: int, **options):
        try:
            stream = path.open("rb")
            total = path.stat().st_size
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        progress = _ProgressBar(total, sys.stderr)
        started = time.monotonic()
        with stream:
            summary = ingest_stream(stream, batch_size=batch_size, on_progress=progress)
        progress.close()
        elapsed = time.monotonic() - started
        rate = summary.received / elapsed if elapsed else 0.0
        self.stdout.write(
            f"received:        {summary.received} tweets in {summary.lines} lines "
            f"({elapsed:.1f} s, {rate:,.0f} tweets/s)"
        )
        self.stdout.write(f"tickets created: {summary.tickets_created}")
        self.stdout.write(f"threaded:        {summary.threaded} (follow-ups, reopenings and edits)")
        self.stdout.write(f"duplicates:      {summary.duplicates}")
        self.stdout.write(f"department replies recorded: {summary.official_replies}")
        self.stdout.write(f"ignored:         {summary.ignored} (retweets, official posts outside tickets)")
        self.stdout.write(f"dead letters:    {summary.dead_letters}")
        if summary.skipped_lines:
            self.stdout.write(f"skipped lines:   {summary.skipped_lines} (keep-alives, error-only, empty pages)")
