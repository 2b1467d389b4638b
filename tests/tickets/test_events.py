"""The audit trail's vocabulary (tickets/events/): one builder per kind, the only place an event is
made, and the chain written (and its head locked) only by tickets/audit.py."""

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import User
from departments.models import Department, Membership, OfficialAccount
from tickets.events.account import role_changed_event
from tickets.events.ticket import (
    reply_failed_event,
    ticket_escalated_event,
    ticket_merge_received_event,
    ticket_merged_event,
    ticket_status_changed_event,
    ticket_transferred_event,
)
from tickets.models import EventKind, MessageKind, TicketMessage

ROOT = Path(settings.BASE_DIR)
EVENTS = ROOT / "tickets" / "events"
# Not the product: its tests, the benchmarks (which empty the tables), the schema's history.
NOT_PRODUCT = {"tests", "bench", "migrations", ".venv", "node_modules"}


def product_files() -> list[Path]:
    return sorted(path for path in ROOT.rglob("*.py") if not NOT_PRODUCT & set(path.relative_to(ROOT).parts[:-1]))


def _called_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def calls_to(name: str, source: str) -> int:
    return sum(1 for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call) and _called_name(node) == name)


def strings_containing(word: str, source: str) -> int:
    return sum(
        1
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and word in node.value
    )


def _by_file(count, *args) -> dict[str, int]:
    return {
        str(path.relative_to(ROOT)): found
        for path in product_files()
        if (found := count(*args, path.read_text(encoding="utf-8")))
    }


def test_only_the_event_builders_make_events():
    makers = _by_file(calls_to, "EventDraft")

    outside = {path: found for path, found in makers.items() if not path.startswith("tickets/events/")}
    assert outside == {}
    assert makers["tickets/events/ticket.py"] >= 17  # the scan does see the builders' drafts


def test_every_event_kind_has_its_builder():
    source = "\n".join(path.read_text(encoding="utf-8") for path in sorted(EVENTS.glob("*.py")))
    named = {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "EventKind"
    }

    assert set(EventKind.names) - named == set()
    assert "CREATED" in EventKind.names


def test_only_tickets_audit_writes_the_chain_and_locks_its_head():
    # Only audit.py's SQL names the chain's tables (the appender's COPY and head lock, the verifier's reads).
    assert set(_by_file(strings_containing, "tickets_auditchainhead")) == {"tickets/audit.py"}
    assert set(_by_file(strings_containing, "tickets_auditevent")) == {"tickets/audit.py"}
    assert _by_file(calls_to, "_lock_chain_head") == {"tickets/audit.py": 1}
    assert _by_file(orm_writes_of, "AuditEvent") == {}


def orm_writes_of(model: str, source: str) -> int:
    """Rows of `model` made through the ORM (which would bypass the chain)."""
    return sum(
        1
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == model)
            or (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in {"create", "bulk_create", "get_or_create", "update_or_create"}
                and ast.unparse(node.func.value).startswith(f"{model}.")
            )
        )
    )


def test_the_scans_find_what_they_look_for():
    source = 'EventDraft(kind, 1)\naudit.EventDraft(kind)\ncursor.execute("UPDATE tickets_auditchainhead SET x")'

    assert calls_to("EventDraft", source) == 2
    assert orm_writes_of("AuditEvent", "AuditEvent.objects.create(kind='x')\nAuditEvent(kind='y').save()") == 2
    assert strings_containing("tickets_auditchainhead", source) == 1
    assert any(path.relative_to(ROOT).as_posix() == "tickets/services/intake.py" for path in product_files())
    assert not any("migrations" in path.parts for path in product_files())


# --- What the builders store: `from` by its meaning in each kind ------------------------------


def test_a_transfer_stores_department_codes_under_from_and_to():
    event = ticket_transferred_event(
        ticket_id=7,
        actor_id=3,
        from_department_code="BSNL",
        from_unit_code=None,
        to_department_code="RLY",
        reason="Railway matter",
        previous_status="assigned",
        previous_assignee_id=3,
        previous_escalation_level=1,
        citizen_told=[TicketMessage(pk=41), TicketMessage(pk=42)],
    )

    assert (event.kind, event.ticket_id, event.actor_id) == (EventKind.TRANSFERRED, 7, 3)
    assert event.data == {
        "from": "BSNL",
        "from_unit": None,
        "to": "RLY",
        "reason": "Railway matter",
        "previous_status": "assigned",
        "previous_assignee_id": 3,
        "previous_escalation_level": 1,
        "citizen_told": {"message_ids": [41, 42]},
    }


def test_a_merge_stores_the_duplicates_status_under_from_and_each_side_its_counterpart():
    duplicate = ticket_merged_event(ticket_id=1, actor_id=3, into_number="BSNL-000002", from_status="in_progress")
    survivor = ticket_merge_received_event(ticket_id=2, actor_id=3, merged_number="BSNL-000001")

    assert (duplicate.kind, duplicate.data) == (EventKind.MERGED, {"into": "BSNL-000002", "from": "in_progress"})
    assert (survivor.kind, survivor.ticket_id, survivor.data) == (EventKind.MERGED, 2, {"merged": "BSNL-000001"})


@pytest.mark.parametrize(
    ("to_status", "kind", "data"),
    [
        ("new", EventKind.STATUS_CHANGED, {"from": "assigned", "to": "new", "previous_assignee_id": None}),
        ("reopened", EventKind.REOPENED, {"from": "assigned", "to": "reopened"}),
        ("in_progress", EventKind.STATUS_CHANGED, {"from": "assigned", "to": "in_progress"}),
    ],
)
def test_a_status_change_stores_statuses_and_the_previous_assignee_only_back_in_the_queue(to_status, kind, data):
    event = ticket_status_changed_event(
        ticket_id=1, actor_id=3, from_status="assigned", to_status=to_status, previous_assignee_id=None
    )

    assert (event.kind, event.data) == (kind, data)


def test_a_failed_duplicate_reply_stores_the_accounts_handle_under_from_and_the_post_as_a_string():
    account = OfficialAccount(handle="BSNLCorporate")
    message = TicketMessage(pk=9, ticket_id=4, kind=MessageKind.REPLY, thread_part=1, thread_parts=2, attempts=1)
    message.from_account = account

    event = reply_failed_event(
        message=message, error="duplicate", duplicate_tweet_id=2**62, abandoned_message_ids=[10]
    )

    assert (event.kind, event.ticket_id, event.actor_id) == (EventKind.REPLY_FAILED, 4, None)
    assert event.data == {
        "message_id": 9,
        "kind": MessageKind.REPLY,
        "part": 1,
        "parts": 2,
        "from": "BSNLCorporate",
        "error": "duplicate",
        "attempts": 1,
        "tweet_id": str(2**62),
        "abandoned_message_ids": [10],
    }


def test_a_role_change_lists_what_changed_and_none_when_nothing_did():
    bsnl, rly = Department(pk=1, code="BSNL"), Department(pk=2, code="RLY")
    membership = Membership(pk=5, user=User(pk=8, username="asha"), department=rly, role="officer", on_duty=True)

    moved = role_changed_event(
        actor_id=1, membership=membership, previous_department=bsnl, previous_role="officer", previous_on_duty=True
    )
    unchanged = role_changed_event(
        actor_id=1, membership=membership, previous_department=rly, previous_role="officer", previous_on_duty=True
    )

    assert moved is not None
    assert moved.kind == EventKind.ROLE_CHANGED
    assert moved.data == {
        "membership_id": 5,
        "user_id": 8,
        "username": "asha",
        "department_id": 2,
        "department": "RLY",
        "role": "officer",
        "on_duty": True,
        "changes": {"department_id": [1, 2], "department": ["BSNL", "RLY"]},
    }
    assert unchanged is None


def test_an_escalation_target_time_is_stored_in_iso_8601():
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

    event = ticket_escalated_event(
        ticket_id=1, escalation_id=2, level=1, reason="sla", notify_department_code="BSNL", target_due_at=at
    )

    assert event.data["target_due_at"] == "2026-03-01T09:30:00+00:00"
