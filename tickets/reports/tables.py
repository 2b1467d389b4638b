"""The report's summary as tables (a title, headers, rows of plain values): what the CSV, XLSX and
PDF files show, each laid out in its own renderer, headers in the active language."""

from dataclasses import dataclass

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tickets.reports.figures import AccountabilityReport, ScopeRow

# The columns of each section: (title, source, columns), each column (attribute, header). The scope
# columns lead every section drawn from `rows`; `name` is the name in the reader's language.
SCOPE_COLUMNS = (("level", gettext_lazy("Level")), ("code", gettext_lazy("Code")))
REPORT_SECTIONS = (
    (
        gettext_lazy("Departments"),
        "rows",
        (*SCOPE_COLUMNS, ("name_en", gettext_lazy("Name")), ("name_hi", gettext_lazy("Name (Hindi)"))),
    ),
    (
        gettext_lazy("Volume"),
        "rows",
        (
            *SCOPE_COLUMNS,
            ("received", gettext_lazy("Received")),
            ("resolved", gettext_lazy("Resolved")),
            ("resolved_within_sla", gettext_lazy("Resolved within SLA")),
            ("resolved_within_sla_percent", gettext_lazy("Resolved within SLA %")),
            ("open_at_end", gettext_lazy("Open at end")),
            ("rejected", gettext_lazy("Rejected")),
        ),
    ),
    (
        gettext_lazy("SLA compliance"),
        "rows",
        (
            *SCOPE_COLUMNS,
            ("first_response_met", gettext_lazy("First response met")),
            ("first_response_missed", gettext_lazy("First response missed")),
            ("first_response_compliance_percent", gettext_lazy("First response %")),
            ("resolution_met", gettext_lazy("Resolution met")),
            ("resolution_missed", gettext_lazy("Resolution missed")),
            ("resolution_compliance_percent", gettext_lazy("Resolution %")),
            ("breached", gettext_lazy("Breached")),
        ),
    ),
    (
        gettext_lazy("Response times (business hours)"),
        "rows",
        (
            *SCOPE_COLUMNS,
            ("first_response_median_business_hours", gettext_lazy("First response median")),
            ("first_response_p90_business_hours", gettext_lazy("First response p90")),
            ("resolution_median_business_hours", gettext_lazy("Resolution median")),
            ("resolution_p90_business_hours", gettext_lazy("Resolution p90")),
        ),
    ),
    (
        gettext_lazy("Escalations and transfers"),
        "rows",
        (
            *SCOPE_COLUMNS,
            ("escalations_l1", gettext_lazy("L1")),
            ("escalations_l2", gettext_lazy("L2")),
            ("escalations_l3", gettext_lazy("L3")),
            ("escalations_acknowledged", gettext_lazy("Acknowledged")),
            ("acknowledge_median_hours", gettext_lazy("Median hours to acknowledge")),
            ("appeals", gettext_lazy("Appeals")),
            ("transfers_out", gettext_lazy("Transfers out")),
            ("transfers_in", gettext_lazy("Transfers in")),
        ),
    ),
    (
        gettext_lazy("Feedback"),
        "rows",
        (
            *SCOPE_COLUMNS,
            ("feedback_count", gettext_lazy("Ratings")),
            ("feedback_average_rating", gettext_lazy("Average rating")),
            ("feedback_low_count", gettext_lazy("Rated 1 or 2")),
            ("feedback_low_percent", gettext_lazy("Rated 1 or 2 %")),
        ),
    ),
    (
        gettext_lazy("Officers"),
        "officers",
        (
            ("username", gettext_lazy("Officer")),
            ("name", gettext_lazy("Name")),
            ("assigned", gettext_lazy("Assigned")),
            ("resolved", gettext_lazy("Resolved")),
            ("resolved_within_sla", gettext_lazy("Resolved within SLA")),
            ("resolved_within_sla_percent", gettext_lazy("Resolved within SLA %")),
            ("resolution_median_business_hours", gettext_lazy("Resolution median (business hours)")),
            ("resolution_p90_business_hours", gettext_lazy("Resolution p90 (business hours)")),
            ("feedback_count", gettext_lazy("Ratings")),
            ("feedback_average_rating", gettext_lazy("Average rating")),
            ("feedback_low_percent", gettext_lazy("Rated 1 or 2 %")),
        ),
    ),
    (
        gettext_lazy("Daily"),
        "daily",
        (
            ("day", gettext_lazy("Date")),
            ("received", gettext_lazy("Received")),
            ("resolved", gettext_lazy("Resolved")),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class ReportTable:
    title: str
    keys: tuple[str, ...]
    headers: tuple[str, ...]
    rows: list[list]


def report_tables(report: AccountabilityReport) -> list[ReportTable]:
    """The summary (the report's facts and the headline figures of its whole scope), then each
    section as a table: a title, a header row, rows of plain values; in the active language."""
    tables = [
        ReportTable(
            title=_("Summary"),
            keys=("field", "value"),
            headers=(_("Field"), _("Value")),
            rows=[[label, value] for label, value in _report_facts(report)],
        )
    ]
    for title, source, columns in REPORT_SECTIONS:
        keys = tuple(key for key, _header in columns)
        rows = [[_cell(item, key) for key in keys] for item in getattr(report, source)]
        tables.append(
            ReportTable(title=str(title), keys=keys, headers=tuple(str(h) for _key, h in columns), rows=rows)
        )
    return tables


def reads_hindi() -> bool:
    return (get_language() or "").startswith("hi")


def _report_facts(report: AccountabilityReport) -> list[tuple[str, object]]:
    hindi = reads_hindi()
    total = report.total
    return [
        (_("Report"), _("Accountability report")),
        (_("Organisation"), (report.organisation_hi if hindi else "") or report.organisation_en),
        (_("Department"), report.department_code or _("All")),
        (_("Department name"), report.department_name_en),
        (_("Department name (Hindi)"), report.department_name_hi),
        (_("Start"), report.start.isoformat()),
        (_("End"), report.end.isoformat()),
        (_("Time zone"), report.timezone),
        (_("Generated at"), report.generated_at.isoformat(timespec="seconds")),
        (_("Generated by"), report.generated_by),
        (_("Received"), total.received),
        (_("Resolved"), total.resolved),
        (_("Resolved within SLA %"), total.resolved_within_sla_percent),
        (_("First response median (business hours)"), total.first_response_median_business_hours),
        (_("First response p90 (business hours)"), total.first_response_p90_business_hours),
        (_("Resolution median (business hours)"), total.resolution_median_business_hours),
        (_("Resolution p90 (business hours)"), total.resolution_p90_business_hours),
        (_("Escalations L1 / L2 / L3"), f"{total.escalations_l1} / {total.escalations_l2} / {total.escalations_l3}"),
        (_("Transfers out / in"), f"{total.transfers_out} / {total.transfers_in}"),
        (_("Appeals"), total.appeals),
        (_("Average rating"), total.feedback_average_rating),
        (_("Rated 1 or 2 %"), total.feedback_low_percent),
    ]


def _cell(item, key: str):
    value = getattr(item, key)
    if key == "code" and isinstance(item, ScopeRow) and value is None:
        return "All"  # the total row; department codes are upper case, so this names none of them
    if key == "username" and value is None:
        return ""
    return value
