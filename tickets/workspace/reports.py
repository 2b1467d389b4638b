"""The report page (/desk/reports/): the accountability report's summary for a chosen scope and
period, a form to export it as a file, and the user's exports with their progress (polled by htmx
while one is waiting or building) and download links. Supervisors, department admins, auditors and
ministry admins; officers are refused (403) as the report refuses them. Thin: the figures come from
tickets.reports.figures, the exports from tickets.exports."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from departments.selectors import department_list_visible
from seva.errors import AppError
from tickets.exports.files import export_file_response
from tickets.exports.models import ExportState
from tickets.exports.selectors import ACTIVE_STATES, export_get, export_list_mine
from tickets.exports.services import export_download_name, export_file_check, export_request
from tickets.reports.figures import accountability_report
from tickets.reports.scope import NOT_A_REPORTER, REPORTING_ROLES
from tickets.workspace.forms import form_add_service_error
from tickets.workspace.http import id_param, is_htmx, staff_login_required
from tickets.workspace.report_forms import ReportExportForm, ReportScopeForm, default_period
from tickets.workspace.selectors import staff_roles

# The newest exports listed on the page.
EXPORTS_SHOWN = 20
# How often the list is refreshed while an export is waiting or building.
EXPORTS_POLL_SECONDS = 2


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "workspace/forbidden.html", {"message": str(NOT_A_REPORTER)}, status=403)


def _report_departments(request: HttpRequest, roles) -> list:
    """The departments and units the user may report on, for the form's choice."""
    return [d for d in department_list_visible(user=request.user) if roles.holds(d.pk, REPORTING_ROLES)]


def _exports_context(request: HttpRequest) -> dict:
    jobs = list(export_list_mine(user=request.user)[:EXPORTS_SHOWN])
    return {
        "exports": jobs,
        "exports_active": any(job.state in ACTIVE_STATES for job in jobs),
        "poll_seconds": EXPORTS_POLL_SECONDS,
    }


def _page(request: HttpRequest, *, roles, export_form: ReportExportForm | None = None, status: int = 200):
    departments = _report_departments(request, roles)
    start, end = default_period()
    scope_form = ReportScopeForm(
        request.GET or None,
        departments=departments,
        language=request.LANGUAGE_CODE,
        initial={"start": start, "end": end},
        auto_id="scope_%s",
    )
    report = None
    if request.GET:
        if scope_form.is_valid():
            data = scope_form.cleaned_data
            try:
                report = accountability_report(
                    user=request.user, department_code=data["department"] or None, start=data["start"], end=data["end"]
                )
            except AppError as error:
                form_add_service_error(scope_form, error)
        if scope_form.errors:
            status = 400
    chosen = scope_form.cleaned_data if report is not None else {"department": "", "start": start, "end": end}
    if export_form is None:
        export_form = ReportExportForm(
            departments=departments,
            language=request.LANGUAGE_CODE,
            initial={**chosen, "format": "csv"},
            auto_id="export_%s",
        )
    context = {
        "nav": "reports",
        "scope_form": scope_form,
        "export_form": export_form,
        "report": report,
        "language": request.LANGUAGE_CODE,
        **_exports_context(request),
    }
    return render(request, "workspace/reports.html", context, status=status)


@require_safe
@staff_login_required
def reports(request: HttpRequest) -> HttpResponse:
    roles = staff_roles(user=request.user)
    if not roles.reads_reports:
        return _forbidden(request)
    return _page(request, roles=roles)


@require_POST
@staff_login_required
def report_export(request: HttpRequest) -> HttpResponse:
    """Ask for the chosen report as a file; back to the page showing that report, the export listed."""
    roles = staff_roles(user=request.user)
    if not roles.reads_reports:
        return _forbidden(request)
    departments = _report_departments(request, roles)
    form = ReportExportForm(request.POST, departments=departments, language=request.LANGUAGE_CODE, auto_id="export_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            job = export_request(
                user=request.user,
                department_code=data["department"] or None,
                start=data["start"],
                end=data["end"],
                fmt=data["format"],
                language=request.LANGUAGE_CODE,
            )
        except AppError as error:
            form_add_service_error(form, error)
        else:
            if job.state == ExportState.READY:
                messages.success(request, _("Your export is ready to download."))
            elif job.state == ExportState.FAILED:
                messages.error(request, job.failure_reason)
            else:
                messages.success(request, _("Your export is being built; it is listed below with its progress."))
            query = urlencode({"department": data["department"], "start": data["start"], "end": data["end"]})
            return redirect(f"{reverse('workspace:reports')}?{query}#exports")
    return _page(request, roles=roles, export_form=form, status=400)


@require_safe
@staff_login_required
def report_exports(request: HttpRequest) -> HttpResponse:
    """The user's exports, for htmx to refresh in place: one query, whatever their number."""
    if not is_htmx(request):
        return redirect(f"{reverse('workspace:reports')}#exports")
    return render(request, "workspace/_report_exports.html", _exports_context(request))


@require_safe
@staff_login_required
def report_export_file(request: HttpRequest, export_id: str) -> HttpResponse:
    """The export's file, for the user who asked and the ministry's admins; to anyone else a 404."""
    job_id = id_param(export_id)
    job = export_get(user=request.user, export_id=job_id) if job_id is not None else None
    if job is None:
        raise Http404
    try:
        export_file_check(job=job)
    except AppError as error:
        context = {"message": error.message}
        return render(request, "workspace/export_unavailable.html", context, status=error.http_status)
    return export_file_response(job, filename=export_download_name(job))
