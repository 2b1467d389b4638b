import sys

from django.core.management.base import BaseCommand, CommandError

from tickets.audit import ChainBreak, audit_chain_verify


class Command(BaseCommand):
    help = "Check the hash chain of the audit trail; report the first broken link (exit 1 on a break)."

    def handle(self, *args, **options):
        checked = 0
        for step in audit_chain_verify():
            if isinstance(step, ChainBreak):
                raise CommandError(
                    f"BROKEN at event {step.event_id}: {step.reason} ({checked} events verified before it)"
                )
            checked += step
            if sys.stderr.isatty():
                sys.stderr.write(f"\r{checked:,} events verified")
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        self.stdout.write(f"OK: {checked} events, chain intact")
