"""tickets/services/account_audit.py: the sign-in events."""

import pytest

from tickets.models import (
    AuditEvent,
    EventKind,
)
from tickets.services import (
    login_failed_record,
)

pytestmark = pytest.mark.django_db


def test_a_login_and_a_failed_login_are_recorded(bsnl, client):
    assert client.login(username="bsnl_officer", password="demo-pass-123")
    assert not client.login(username="bsnl_officer", password="wrong")
    login = AuditEvent.objects.get(kind=EventKind.LOGIN)
    failed = AuditEvent.objects.get(kind=EventKind.LOGIN_FAILED)
    assert (login.actor, login.ticket) == (bsnl["officer"], None)
    assert failed.actor is None
    assert failed.data["username"] == "bsnl_officer"
    assert "wrong" not in str(failed.data)


def test_a_failed_login_for_nobody_is_a_short_log_line_not_an_event(db, caplog):
    # Anyone can type any name: those go to the ordinary log, cut short, never into the chain.
    with caplog.at_level("WARNING", logger="tickets.services.account_audit"):
        login_failed_record(username="x" * 10_000, ip_address="203.0.113.5", path="/admin/login/")
    assert not AuditEvent.objects.exists()
    (record,) = [r for r in caplog.records if r.name == "tickets.services.account_audit"]
    assert "x" * 64 in record.getMessage()
    assert "x" * 65 not in record.getMessage()
    assert "203.0.113.5" in record.getMessage()
