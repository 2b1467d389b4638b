"""Every write a user or a task can cause to tickets: one function per action, each in one
transaction with its audit event (see DESIGN.md, "Ticket lifecycle"). Import them from here."""

from tickets.reports.export import REPORT_FORMATS, ExportResult, report_export
from tickets.services.account_audit import login_failed_record, login_record
from tickets.services.assignment import ticket_auto_assign, ticket_take_next
from tickets.services.bulk import BulkResult, tickets_bulk_assign, tickets_bulk_reject_spam
from tickets.services.canned_responses import canned_response_create, canned_response_update
from tickets.services.errors import ActionConflict, ActionForbidden, ObjectNotFound, TicketActionError
from tickets.services.escalations import escalation_acknowledge
from tickets.services.incidents import (
    incident_merge,
    incident_note_set,
    incident_open,
    incident_resolve,
    incident_tickets_add,
    incident_tickets_remove,
)
from tickets.services.saved_filters import saved_filter_delete, saved_filter_save
from tickets.services.ticket_actions import ticket_assign, ticket_claim, ticket_note, ticket_reply, ticket_transition
from tickets.services.transfer_merge import ticket_merge, ticket_transfer
from tickets.services.triage import ticket_triage_change, triage_rule_delete, triage_rule_save

__all__ = [
    "REPORT_FORMATS",
    "ActionConflict",
    "ActionForbidden",
    "BulkResult",
    "ExportResult",
    "ObjectNotFound",
    "TicketActionError",
    "canned_response_create",
    "canned_response_update",
    "escalation_acknowledge",
    "incident_merge",
    "incident_note_set",
    "incident_open",
    "incident_resolve",
    "incident_tickets_add",
    "incident_tickets_remove",
    "login_failed_record",
    "login_record",
    "report_export",
    "saved_filter_delete",
    "saved_filter_save",
    "ticket_assign",
    "ticket_auto_assign",
    "ticket_claim",
    "ticket_merge",
    "ticket_note",
    "ticket_reply",
    "ticket_take_next",
    "ticket_transfer",
    "ticket_transition",
    "ticket_triage_change",
    "tickets_bulk_assign",
    "tickets_bulk_reject_spam",
    "triage_rule_delete",
    "triage_rule_save",
]
