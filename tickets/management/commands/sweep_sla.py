from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tickets.models import Escalation
from tickets.services.sla_sweep import sla_sweep


def parse_moment(value: str):
    """An ISO 8601 moment; without an offset it is India's time (settings.TIME_ZONE)."""
    moment = parse_datetime(value)
    if moment is None:
        raise ArgumentTypeError(f"not an ISO 8601 date and time: {value!r}")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "Raise the SLA escalations that are due (what Celery beat runs every minute); prints counts per level."

    def add_arguments(self, parser):
        parser.add_argument("--now", type=parse_moment, help="sweep as if it were this moment (ISO 8601), for drills")

    def handle(self, *args, now=None, **options):
        summary = sla_sweep(now=now)
        self.stdout.write(f"SLA sweep at {timezone.localtime(summary.now).isoformat()}:")
        for level in Escalation.Level:
            self.stdout.write(f"  {level.label}: {summary.raised[level.value]}")
        self.stdout.write(f"  total: {summary.total}")
