import logging

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.simulator import FakeXTarget, SimulationProgress, SimulationTarget, WebhookTarget, tweets_simulate

PROGRESS_EVERY = 10.0  # seconds between progress lines


class Command(BaseCommand):
    help = (
        "Generate realistic citizen tweets at a steady rate and send them to the fake X API (which serves them "
        "to the poller and the stream) or, signed, to the Account Activity webhook."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rate", type=float, default=2.0, help="tweets per second")
        parser.add_argument("--duration", type=float, default=60.0, help="seconds")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--base-url", default=None, help="the fake X API (default: X_API_BASE_URL)")
        parser.add_argument("--via", choices=("fake", "webhook"), default="fake")
        parser.add_argument(
            "--webhook-url", default="http://127.0.0.1:8000/webhooks/x/", help="where --via webhook posts"
        )

    def handle(
        self,
        *args: object,
        rate: float,
        duration: float,
        seed: int,
        base_url: str | None,
        via: str,
        webhook_url: str,
        **options: object,
    ) -> None:
        if rate <= 0 or duration <= 0:
            raise CommandError("--rate and --duration must be positive.")
        base_url = base_url or settings.X_API_BASE_URL
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request would bury the progress lines
        with httpx.Client(base_url=base_url, timeout=10.0) as http:
            target: SimulationTarget
            if via == "webhook":
                if not settings.X_API_CONSUMER_SECRET:
                    raise CommandError("--via webhook signs with X_API_CONSUMER_SECRET, which is not set.")
                target = WebhookTarget(http=http, url=webhook_url, consumer_secret=settings.X_API_CONSUMER_SECRET)
                where = webhook_url
            else:
                target = FakeXTarget(http=http)
                where = f"the fake X API at {base_url}"
            self.stdout.write(f"Sending {rate:g} tweets/s for {duration:g} s to {where}.")
            try:
                progress = tweets_simulate(
                    target=target, rate=rate, duration=duration, seed=seed, on_tick=self._progress_printer()
                )
            except httpx.HTTPStatusError as error:
                raise CommandError(f"{where} refused the simulated tweets: {error}") from error
        self.stdout.write(f"Done: {progress.sent} tweets in {progress.elapsed:.0f} s.")

    def _progress_printer(self):
        next_line = PROGRESS_EVERY

        def print_progress(progress: SimulationProgress) -> None:
            nonlocal next_line
            if progress.elapsed >= next_line:
                self.stdout.write(f"{progress.elapsed:6.0f} s  sent {progress.sent}/{progress.total}")
                next_line += PROGRESS_EVERY

        return print_progress
