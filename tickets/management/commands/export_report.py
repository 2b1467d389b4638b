import shutil
import sys
from argparse import ArgumentTypeError
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from departments.models import Department
from tickets.services import REPORT_FORMATS, report_export


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Export the accountability report of a department (India's dates, both days included) to a file, "
        "as a given user, who is recorded in the audit trail. Prints a summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("--department", help="a department or unit code; omitted: all the user may report on")
        parser.add_argument("--start", required=True, type=parse_day, help="the first day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, type=parse_day, help="the last day, YYYY-MM-DD")
        parser.add_argument(
            "--format", choices=REPORT_FORMATS, help="the file's type; default: the extension of --output"
        )
        parser.add_argument("--output", required=True, help="the file to write; - for standard output")
        # No default: an export is an audited act of a person, so the command will not guess who.
        parser.add_argument("--as", dest="username", help="the user the report is made for and recorded as")
        parser.add_argument(
            "--language", choices=("en", "hi"), help="the labels' language; default: the user's preferred one"
        )

    def handle(self, *args, department, start, end, output, username, language, **options):
        if not username:
            raise CommandError("Give --as USERNAME: every export is recorded in the audit trail with who made it.")
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        fmt = options["format"] or Path(output).suffix.lstrip(".").lower()
        if fmt not in REPORT_FORMATS:
            raise CommandError(f"Give --format ({', '.join(REPORT_FORMATS)}); the output's extension names none.")

        try:
            export = report_export(
                user=user, department_code=department, start=start, end=end, fmt=fmt, language=language
            )
        except ValidationError as exc:
            problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
            raise CommandError(problems) from exc
        except Department.DoesNotExist as exc:
            raise CommandError(f"{username} cannot see a department {department!r}.") from exc
        except PermissionDenied as exc:
            raise CommandError(f"{username} may not export reports of {department or 'any department'}.") from exc

        with export.file:
            if output == "-":
                shutil.copyfileobj(export.file, sys.stdout.buffer)
                sys.stdout.flush()
                say = self.stderr.write
            else:
                with Path(output).open("wb") as file:
                    shutil.copyfileobj(export.file, file)
                say = self.stdout.write
        total = export.report.total
        say(f"Accountability report {export.report.department_code or 'all'} {start} to {end} ({fmt}), as {username}")
        say(f"  received {total.received}, resolved {total.resolved}, open at end {total.open_at_end}")
        say(
            f"  first response on time {_percent(total.first_response_compliance_percent)}, "
            f"resolution on time {_percent(total.resolution_compliance_percent)}"
        )
        counts = export.report.row_counts()
        say(f"  {counts['scopes']} departments and units, {counts['officers']} officers, {counts['days']} days")
        say(f"  {export.ticket_rows:,} ticket rows")
        say(f"  wrote {export.size_bytes:,} bytes to {output}, SHA-256 {export.sha256} (recorded in the audit trail)")


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value}%"
