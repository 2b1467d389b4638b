"""Auto-close: resolved tickets close themselves after 7 days (the lifecycle's AUTO_CLOSE_AFTER)."""

import io
from datetime import datetime, timedelta

from django.core.management import call_command

from tickets.lifecycle import Status
from tickets.models import AuditEvent, EventKind, Ticket
from tickets.services.auto_close import tickets_close_resolved

from .sla_support import IST, due_ticket


def test_resolved_tickets_close_seven_days_on(tree):
    now = datetime(2026, 11, 30, 12, 0, tzinfo=IST)
    old = due_ticket(tree, status=Status.RESOLVED, resolved_at=now - timedelta(days=7, minutes=1))
    recent = due_ticket(tree, status=Status.RESOLVED, resolved_at=now - timedelta(days=6, hours=23))
    still_open = due_ticket(tree)

    assert tickets_close_resolved(now=now) == 1
    assert tickets_close_resolved(now=now) == 0
    old.refresh_from_db()
    assert (old.status, old.closed_at) == (Status.CLOSED, now)
    assert Ticket.objects.get(pk=recent.pk).status == Status.RESOLVED
    assert Ticket.objects.get(pk=still_open.pk).status == Status.ASSIGNED
    event = AuditEvent.objects.get(ticket=old, kind=EventKind.STATUS_CHANGED)
    assert (event.data["from"], event.data["to"]) == ("resolved", "closed")


def test_close_resolved_command(tree):
    due_ticket(tree, status=Status.RESOLVED, resolved_at=datetime(2026, 11, 1, tzinfo=IST))
    out = io.StringIO()
    call_command("close_resolved", "--now", "2026-11-30T12:00:00+05:30", stdout=out)
    assert "Closed 1 resolved tickets." in out.getvalue()
