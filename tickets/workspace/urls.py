"""The staff workspace, under /desk/."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts.views import StaffLoginView, StaffPasswordChangeDoneView, StaffPasswordChangeView
from tickets.workspace import actions, dashboard, escalations, incidents, preferences, queue_actions, reports, views
from tickets.workspace.http import staff_login_required

app_name = "workspace"

urlpatterns = [
    # Sign-in with the one-time code of staff who turned two-factor sign-in on, in their language.
    path(
        "login/",
        StaffLoginView.as_view(
            template_name="workspace/login.html",
            redirect_authenticated_user=True,
            next_page=reverse_lazy("workspace:queue"),
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("workspace:login")), name="logout"),
    # Staff change their own password (signing out their other sessions, revoking their API tokens).
    path(
        "password/",
        staff_login_required(
            StaffPasswordChangeView.as_view(
                success_url=reverse_lazy("workspace:password-change-done"), extra_context={"nav": "password"}
            )
        ),
        name="password-change",
    ),
    path(
        "password/done/",
        staff_login_required(StaffPasswordChangeDoneView.as_view(extra_context={"nav": "password"})),
        name="password-change-done",
    ),
    # Their own settings: whether the daily digest comes to them.
    path("settings/", preferences.preferences, name="settings"),
    path("", views.queue, name="queue"),
    path("queue/arrivals/", views.queue_arrivals_view, name="queue-arrivals"),
    path("queue/bulk/", queue_actions.bulk_action, name="queue-bulk"),
    path("queue/filters/", queue_actions.saved_filter_save_view, name="saved-filter-save"),
    path(
        "queue/filters/<int:saved_filter_id>/delete/",
        queue_actions.saved_filter_delete_view,
        name="saved-filter-delete",
    ),
    path("take-next/", views.take_next, name="take-next"),
    path("reply-length/", views.reply_length, name="reply-length"),
    # The escalation desk: oldest first, a page at a time; each row acknowledged, reassigned, commented on.
    path("escalations/", escalations.escalations, name="escalations"),
    path(
        "escalations/<int:escalation_id>/acknowledge/",
        escalations.escalation_acknowledge_view,
        name="escalation-acknowledge",
    ),
    path("escalations/<int:escalation_id>/assign/", escalations.escalation_assign_view, name="escalation-assign"),
    path("escalations/<int:escalation_id>/note/", escalations.escalation_note_view, name="escalation-note"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/live/", dashboard.dashboard_live, name="dashboard-live"),
    path("duty/", views.duty_set, name="duty"),
    # The accountability report: its figures, exports built in the background, their files.
    path("reports/", reports.reports, name="reports"),
    path("reports/exports/", reports.report_exports, name="report-exports"),
    path("reports/exports/new/", reports.report_export, name="report-export"),
    path("reports/exports/<str:export_id>/file/", reports.report_export_file, name="report-export-file"),
    path("incidents/", incidents.incidents, name="incidents"),
    path("incidents/put/", incidents.incident_bulk, name="incident-bulk"),
    path("incidents/<int:incident_id>/", incidents.incident_detail, name="incident"),
    path("incidents/<int:incident_id>/<slug:name>/", incidents.incident_action, name="incident-action"),
    path("t/<str:number>/", views.ticket_detail, name="ticket"),
    path("t/<str:number>/canned-response/", views.canned_response_insert, name="canned-response-insert"),
    path("t/<str:number>/<slug:name>/", actions.ticket_action, name="ticket-action"),
]
