from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ingestion.doors.search import search_cycle, search_plan_share
from ingestion.doors.stream_rules import stream_rules_needed, stream_rules_plan, stream_rules_shortfall
from ingestion.doors.x_queries import pack_dense, query_text, tracked_queries, tracked_terms
from ingestion.models import StreamRuleRefusal
from ingestion.x_client import XApiError, XClient


class Command(BaseCommand):
    help = (
        "Check that the tracked handles and hashtags fit the X plan: stream rules (X_STREAM_MAX_RULES of "
        "X_STREAM_RULE_MAX_LENGTH characters), the recent-search cycle under the request budget, and the rules "
        "X refused. Fails, saying what to do, when the configuration needs more rules than the plan allows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="count X's refusals of the last DAYS days")
        parser.add_argument(
            "--remote", action="store_true", help="also read the rules X has now and say how many would change"
        )

    def handle(self, *args: object, days: int, remote: bool, **options: object) -> None:
        terms = tracked_terms()
        handles = sum(term.startswith("@") for term in terms)
        needed, allowed = stream_rules_needed(terms), settings.X_STREAM_MAX_RULES
        lengths = [len(query_text(group)) for group in pack_dense(terms, settings.X_STREAM_RULE_MAX_LENGTH)]
        self.stdout.write(f"tracked: {handles} handles and {len(terms) - handles} hashtags of active departments")
        self.stdout.write(
            f"stream rules: {needed} needed of {allowed} allowed, at most {settings.X_STREAM_RULE_MAX_LENGTH} "
            f"characters each (longest {max(lengths, default=0)}, mean {sum(lengths) // max(len(lengths), 1)})"
        )
        queries = tracked_queries()
        budget = search_plan_share()
        cycle = search_cycle(len(queries), budget)
        self.stdout.write(
            f"recent search: {len(queries)} queries; {budget} requests a run of "
            f"{settings.X_SEARCH_REQUESTS_PER_WINDOW} per {settings.X_SEARCH_WINDOW_SECONDS // 60} min: every query "
            f"is polled at least every {int(cycle.total_seconds()) // 60} min"
        )
        since = timezone.now() - timedelta(days=days)
        refusals = StreamRuleRefusal.objects.filter(refused_at__gte=since)
        self.stdout.write(f"stream rules X refused in the last {days} days: {refusals.count()}")
        for refusal in refusals[:5]:
            self.stdout.write(f"  {refusal.refused_at:%Y-%m-%d %H:%M} {refusal.title}: {refusal.detail[:120]}")
        if remote:
            self._compare_with_x(terms)
        shortfall = stream_rules_shortfall(terms)
        if shortfall is not None:
            raise CommandError(shortfall)
        self.stdout.write("The configuration fits the X plan.")

    def _compare_with_x(self, terms: list[str]) -> None:
        try:
            with XClient() as client:
                current = [rule.get("value", "") for rule in client.get_stream_rules()]
        except XApiError as error:
            self.stderr.write(f"could not read the stream rules from X: {error}")
            return
        desired = stream_rules_plan(terms, current)
        changes = len(set(desired) - set(current)) + len(set(current) - set(desired))
        self.stdout.write(f"X has {len(current)} stream rules now; bringing them in step changes {changes}")
