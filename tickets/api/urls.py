from django.urls import path

from tickets.api.actions import (
    TicketAssignApi,
    TicketClaimApi,
    TicketMergeApi,
    TicketNoteApi,
    TicketReplyApi,
    TicketTakeNextApi,
    TicketTransferApi,
    TicketTransitionApi,
    TicketTriageApi,
)
from tickets.api.canned_responses import CannedResponseCreateApi, CannedResponseListApi, CannedResponseUpdateApi
from tickets.api.dashboard import DashboardSummaryApi
from tickets.api.escalations import EscalationAcknowledgeApi, EscalationListApi
from tickets.api.exports import ReportExportDetailApi, ReportExportFileApi, ReportExportListCreateApi
from tickets.api.incidents import (
    IncidentDetailApi,
    IncidentListApi,
    IncidentMergeApi,
    IncidentNoteApi,
    IncidentOpenApi,
    IncidentResolveApi,
    IncidentTicketsAddApi,
    IncidentTicketsRemoveApi,
)
from tickets.api.public import PublicTicketStatusApi
from tickets.api.reports import (
    AccountabilityReportApi,
    FeedbackSummaryApi,
    TicketFeedbackListApi,
)
from tickets.api.views import TicketDetailApi, TicketListApi

urlpatterns = [
    path("tickets/", TicketListApi.as_view(), name="ticket-list"),
    # Before the detail route, which would otherwise take "take-next" for a number.
    path("tickets/take-next/", TicketTakeNextApi.as_view(), name="ticket-take-next"),
    path("tickets/<str:number>/", TicketDetailApi.as_view(), name="ticket-detail"),
    path("tickets/<str:number>/claim/", TicketClaimApi.as_view(), name="ticket-claim"),
    path("tickets/<str:number>/assign/", TicketAssignApi.as_view(), name="ticket-assign"),
    path("tickets/<str:number>/transition/", TicketTransitionApi.as_view(), name="ticket-transition"),
    path("tickets/<str:number>/reply/", TicketReplyApi.as_view(), name="ticket-reply"),
    path("tickets/<str:number>/note/", TicketNoteApi.as_view(), name="ticket-note"),
    path("tickets/<str:number>/transfer/", TicketTransferApi.as_view(), name="ticket-transfer"),
    path("tickets/<str:number>/priority/", TicketTriageApi.as_view(), name="ticket-priority"),
    path("tickets/<str:number>/merge/", TicketMergeApi.as_view(), name="ticket-merge"),
    path("tickets/<str:number>/feedback/", TicketFeedbackListApi.as_view(), name="ticket-feedback"),
    path("feedback/", FeedbackSummaryApi.as_view(), name="feedback-summary"),
    path("escalations/", EscalationListApi.as_view(), name="escalation-list"),
    path(
        "escalations/<int:escalation_id>/acknowledge/",
        EscalationAcknowledgeApi.as_view(),
        name="escalation-acknowledge",
    ),
    path("canned-responses/", CannedResponseListApi.as_view(), name="canned-response-list"),
    path("canned-responses/create/", CannedResponseCreateApi.as_view(), name="canned-response-create"),
    path(
        "canned-responses/<int:canned_response_id>/update/",
        CannedResponseUpdateApi.as_view(),
        name="canned-response-update",
    ),
    path("incidents/", IncidentListApi.as_view(), name="incident-list"),
    path("incidents/open/", IncidentOpenApi.as_view(), name="incident-open"),
    path("incidents/<int:incident_id>/", IncidentDetailApi.as_view(), name="incident-detail"),
    path("incidents/<int:incident_id>/add/", IncidentTicketsAddApi.as_view(), name="incident-add"),
    path("incidents/<int:incident_id>/remove/", IncidentTicketsRemoveApi.as_view(), name="incident-remove"),
    path("incidents/<int:incident_id>/merge/", IncidentMergeApi.as_view(), name="incident-merge"),
    path("incidents/<int:incident_id>/note/", IncidentNoteApi.as_view(), name="incident-note"),
    path("incidents/<int:incident_id>/resolve/", IncidentResolveApi.as_view(), name="incident-resolve"),
    path("dashboard/summary/", DashboardSummaryApi.as_view(), name="dashboard-summary"),
    path("public/status/<str:number>/", PublicTicketStatusApi.as_view(), name="public-ticket-status"),
    path("reports/accountability/", AccountabilityReportApi.as_view(), name="report-accountability"),
    path("reports/exports/", ReportExportListCreateApi.as_view(), name="report-export-list"),
    path("reports/exports/<str:export_id>/", ReportExportDetailApi.as_view(), name="report-export-detail"),
    path("reports/exports/<str:export_id>/file/", ReportExportFileApi.as_view(), name="report-export-file"),
]
