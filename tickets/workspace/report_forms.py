"""The report page's forms: the scope and period to show, and the file to export of them. They check
the input's shape; the report's own checks (tickets.reports.figures) decide what the user may see."""

from datetime import date
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.exports.models import ExportFormat
from tickets.reports.scope import REPORT_TIMEZONE, report_period_errors

ALL_DEPARTMENTS = ""
FORMAT_LABELS = {
    ExportFormat.CSV: _("CSV (any spreadsheet)"),
    ExportFormat.XLSX: _("Excel (XLSX)"),
    ExportFormat.PDF: _("PDF (to print)"),
    ExportFormat.JSON: _("JSON (for programs)"),
}


def default_period() -> tuple[date, date]:
    """The first of this month to today, India's dates: the page's period until one is chosen."""
    today = timezone.localtime(timezone.now(), ZoneInfo(REPORT_TIMEZONE)).date()
    return today.replace(day=1), today


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class ReportScopeForm(forms.Form):
    department = forms.ChoiceField(label=_("Department"), required=False)
    start = forms.DateField(label=_("From"), widget=_DateInput())
    end = forms.DateField(label=_("To"), widget=_DateInput())

    def __init__(self, *args, departments: list, language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            (ALL_DEPARTMENTS, _("All I may report on")),
            *((d.code, f"{d.code} · {d.name_in(language)}") for d in departments),
        ]

    def clean(self) -> dict:
        data = super().clean()
        if "start" in data and "end" in data:
            for name, messages in report_period_errors(start=data["start"], end=data["end"]).items():
                for message in messages:
                    self.add_error(name, message)
        return data


class ReportExportForm(ReportScopeForm):
    format = forms.ChoiceField(label=_("Format"), choices=list(FORMAT_LABELS.items()))
