import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from tests.ingestion.factories import v2_tweet
from tickets.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_events(ingest_lines):
    ingest_lines(*(v2_tweet(f"#BSNLSeva outage {n}") for n in range(5)))
    assert AuditEvent.objects.count() == 5


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_intact_chain_verifies(some_events, capsys):
    call_command("verify_audit_chain")
    assert "OK: 5 events" in capsys.readouterr().out


def test_each_event_links_to_the_one_before(some_events):
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash


def test_the_database_refuses_to_update_an_event(some_events):
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(data={"forged": True})


def test_the_database_refuses_to_delete_an_event(some_events):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()


def _tamper(sql: str, params=()) -> None:
    """What someone with superuser rights on the database could do: switch triggers off and edit."""
    _raw("SET LOCAL session_replication_role = replica")
    _raw(sql, params)
    _raw("SET LOCAL session_replication_role = origin")


def test_a_tampered_event_is_found_and_named(some_events):
    third = AuditEvent.objects.order_by("id")[2]
    _tamper("UPDATE tickets_auditevent SET data = %s WHERE id = %s", ['{"number": "FORGED"}', third.pk])
    with pytest.raises(CommandError, match=f"BROKEN at event {third.pk}: its content"):
        call_command("verify_audit_chain")


def test_a_removed_event_is_found(some_events):
    second = AuditEvent.objects.order_by("id")[1]
    _tamper("DELETE FROM tickets_auditevent WHERE id = %s", [second.pk])
    with pytest.raises(CommandError, match="previous-hash"):
        call_command("verify_audit_chain")


def test_removing_the_newest_events_is_found(some_events):
    last = AuditEvent.objects.order_by("id").last()
    _tamper("DELETE FROM tickets_auditevent WHERE id = %s", [last.pk])
    with pytest.raises(CommandError, match="chain head"):
        call_command("verify_audit_chain")
