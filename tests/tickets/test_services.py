"""The officers' actions as services: rights by role, the lifecycle, the outbox, the SLA clock,
assignment (also under concurrency) and the sign-in events."""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from departments.models import Department, Membership, Role
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory
from tests.factories.ticket_factory import ActionTicketFactory, department, staff, ticket_of
from tickets.audit import ChainBreak, audit_chain_verify
from tickets.lifecycle import TRANSITIONS, Priority, Status, transition_allowed
from tickets.models import (
    AuditEvent,
    Delivery,
    Direction,
    Escalation,
    EventKind,
    InternalNote,
    MessageKind,
    Ticket,
    TicketMessage,
)
from tickets.services import (
    ActionConflict,
    ActionForbidden,
    ObjectNotFound,
    TicketActionError,
    escalation_acknowledge,
    login_failed_record,
    ticket_assign,
    ticket_auto_assign,
    ticket_claim,
    ticket_merge,
    ticket_note,
    ticket_reply,
    ticket_take_next,
    ticket_transfer,
    ticket_transition,
)

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(a, b) for a in Status.values for b in Status.values]
ALLOWED = [(a, b) for a, b in ALL_PAIRS if transition_allowed(from_status=a, to_status=b)]
REFUSED = [(a, b) for a, b in ALL_PAIRS if not transition_allowed(from_status=a, to_status=b)]
# Statuses in which a ticket has an owner (the factory gives it one, as the services would).
OWNED = {Status.ASSIGNED, Status.IN_PROGRESS, Status.AWAITING_CITIZEN, Status.RESOLVED, Status.CLOSED}


@pytest.fixture
def bsnl(seeded):
    """The seeded BSNL people, plus the roles seed_demo does not make."""
    from accounts.models import User

    return {
        "officer": User.objects.get(username="bsnl_officer"),
        "supervisor": User.objects.get(username="bsnl_supervisor"),
        "department_admin": staff("BSNL", Role.DEPARTMENT_ADMIN, username="bsnl_admin"),
        "auditor": staff("BSNL", Role.AUDITOR, username="bsnl_auditor"),
        "ministry_auditor": User.objects.get(username="auditor"),
        "posts_officer": User.objects.get(username="posts_officer"),
    }


def events_of(ticket: Ticket) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(ticket=ticket).exclude(kind=EventKind.CREATED).order_by("id"))


def row(ticket: Ticket) -> dict:
    return Ticket.objects.filter(pk=ticket.pk).values().get()


def in_status(status: str, *, owner, **fields) -> Ticket:
    return ticket_of("BSNL", status=status, assigned_to=owner if status in OWNED else None, **fields)


def note_for(to: str) -> str:
    return "Done: the line is repaired." if to in (Status.RESOLVED, Status.REJECTED) else ""


# --- claim and assign --------------------------------------------------------------------------


def test_an_officer_claims_an_unassigned_ticket(bsnl):
    ticket = ticket_of("BSNL")
    ticket_claim(actor=bsnl["officer"], number=ticket.number)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assigned_to) == (Status.ASSIGNED, bsnl["officer"])
    [event] = events_of(ticket)
    assert (event.kind, event.actor, event.data["how"]) == (EventKind.ASSIGNED, bsnl["officer"], "claim")


def test_an_officer_of_a_unit_claims_its_tickets(bsnl):
    kerala = staff("BSNL_KL")
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    ticket_claim(actor=kerala, number=ticket.number)
    assert row(ticket)["assigned_to_id"] == kerala.pk


def test_claiming_someone_elses_ticket_is_a_conflict(bsnl):
    ticket = ticket_of("BSNL", status=Status.ASSIGNED, assigned_to=bsnl["supervisor"])
    with pytest.raises(ActionConflict) as error:
        ticket_claim(actor=bsnl["officer"], number=ticket.number)
    assert error.value.code == "already_assigned"
    assert events_of(ticket) == []


def test_claiming_ones_own_ticket_changes_nothing(bsnl):
    ticket = ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"])
    ticket_claim(actor=bsnl["officer"], number=ticket.number)
    assert row(ticket)["status"] == Status.IN_PROGRESS
    assert events_of(ticket) == []


def test_another_departments_ticket_is_not_found(bsnl):
    ticket = ticket_of("BSNL")
    before = row(ticket)
    with pytest.raises(ObjectNotFound):
        ticket_claim(actor=bsnl["posts_officer"], number=ticket.number)
    assert row(ticket) == before


def test_an_officer_of_another_unit_does_not_see_the_ticket(bsnl):
    pune = staff("BSNL_MH")
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    with pytest.raises(ObjectNotFound):
        ticket_claim(actor=pune, number=ticket.number)


@pytest.mark.parametrize("who", ["auditor", "ministry_auditor"])
def test_auditors_may_not_claim(bsnl, who):
    ticket = ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_claim(actor=bsnl[who], number=ticket.number)
    assert row(ticket)["assigned_to_id"] is None


@pytest.mark.parametrize("reference", ["username", "id"])
def test_a_supervisor_assigns_by_username_or_id(bsnl, reference):
    ticket = ticket_of("BSNL")
    officer = bsnl["officer"]
    ticket_assign(
        actor=bsnl["supervisor"],
        number=ticket.number,
        assignee=officer.username if reference == "username" else str(officer.pk),
    )
    assert (row(ticket)["status"], row(ticket)["assigned_to_id"]) == (Status.ASSIGNED, officer.pk)


def test_reassigning_keeps_the_status(bsnl):
    ticket = ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"])
    ticket_assign(actor=bsnl["department_admin"], number=ticket.number, assignee=bsnl["supervisor"])
    assert (row(ticket)["status"], row(ticket)["assigned_to_id"]) == (Status.IN_PROGRESS, bsnl["supervisor"].pk)
    [event] = events_of(ticket)
    assert event.data["previous_assignee_id"] == bsnl["officer"].pk


@pytest.mark.parametrize("who", ["officer", "auditor", "ministry_auditor"])
def test_only_supervisors_assign(bsnl, who):
    ticket = ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_assign(actor=bsnl[who], number=ticket.number, assignee=bsnl["officer"])


@pytest.mark.parametrize("assignee", ["posts_officer", "auditor", "nobody-by-this-name", "99999999999999999999"])
def test_the_assignee_must_work_in_the_tickets_scope(bsnl, assignee):
    ticket = ticket_of("BSNL")
    reference = bsnl[assignee].username if assignee in bsnl else assignee
    with pytest.raises(TicketActionError) as error:
        ticket_assign(actor=bsnl["supervisor"], number=ticket.number, assignee=reference)
    assert error.value.http_status == 400
    assert "user" in error.value.fields
    assert row(ticket)["assigned_to_id"] is None


def test_an_officer_of_another_unit_cannot_be_assigned_a_units_ticket(bsnl):
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    with pytest.raises(TicketActionError):
        ticket_assign(actor=bsnl["supervisor"], number=ticket.number, assignee=staff("BSNL_MH"))


# --- transitions, by role ----------------------------------------------------------------------


@pytest.mark.parametrize(("from_status", "to"), ALLOWED)
@pytest.mark.parametrize("role", ["officer", "supervisor", "department_admin"])
def test_every_allowed_transition_by_each_working_role(bsnl, from_status, to, role):
    actor = bsnl[role]
    ticket = in_status(from_status, owner=actor)
    officer_closing = to == Status.CLOSED and role == "officer"
    if officer_closing:
        with pytest.raises(ActionForbidden):
            ticket_transition(actor=actor, number=ticket.number, to=to, note=note_for(to))
        assert row(ticket)["status"] == from_status
        return
    ticket_transition(actor=actor, number=ticket.number, to=to, note=note_for(to))
    assert row(ticket)["status"] == to
    [event] = events_of(ticket)
    assert event.kind == (EventKind.REOPENED if to == Status.REOPENED else EventKind.STATUS_CHANGED)
    assert (event.data["from"], event.data["to"], event.actor) == (from_status, to, actor)


@pytest.mark.parametrize(("from_status", "to"), REFUSED)
def test_every_transition_outside_the_table_is_refused(bsnl, from_status, to):
    ticket = in_status(from_status, owner=bsnl["supervisor"])
    before = row(ticket)
    with pytest.raises(ActionConflict) as error:
        ticket_transition(actor=bsnl["supervisor"], number=ticket.number, to=to, note=note_for(to))
    assert error.value.code == "transition_not_allowed"
    assert row(ticket) == before
    assert events_of(ticket) == []


@pytest.mark.parametrize(("from_status", "to"), ALLOWED)
@pytest.mark.parametrize("role", ["auditor", "ministry_auditor"])
def test_auditors_may_make_no_transition(bsnl, from_status, to, role):
    ticket = in_status(from_status, owner=bsnl["officer"])
    before = row(ticket)
    with pytest.raises(ActionForbidden):
        ticket_transition(actor=bsnl[role], number=ticket.number, to=to, note=note_for(to))
    assert row(ticket) == before


@pytest.mark.parametrize(("from_status", "to"), ALLOWED)
def test_another_departments_officer_finds_no_ticket_to_move(bsnl, from_status, to):
    ticket = in_status(from_status, owner=bsnl["officer"])
    with pytest.raises(ObjectNotFound):
        ticket_transition(actor=bsnl["posts_officer"], number=ticket.number, to=to, note=note_for(to))


def test_the_lifecycle_table_covers_every_status():
    assert set(TRANSITIONS) == set(Status.values)


def test_only_the_assignee_or_a_supervisor_puts_a_ticket_back_in_the_queue(bsnl):
    ticket = ticket_of("BSNL", status=Status.ASSIGNED, assigned_to=bsnl["supervisor"])
    with pytest.raises(ActionForbidden):
        ticket_transition(actor=bsnl["officer"], number=ticket.number, to=Status.NEW)
    ticket_transition(actor=bsnl["supervisor"], number=ticket.number, to=Status.NEW)
    assert (row(ticket)["status"], row(ticket)["assigned_to_id"]) == (Status.NEW, None)


def test_taking_up_an_unowned_reopened_ticket_makes_it_yours(bsnl):
    ticket = ticket_of("BSNL", status=Status.REOPENED)
    ticket_transition(actor=bsnl["officer"], number=ticket.number, to=Status.ASSIGNED)
    assert (row(ticket)["status"], row(ticket)["assigned_to_id"]) == (Status.ASSIGNED, bsnl["officer"].pk)


def test_starting_work_on_an_unowned_ticket_takes_it(bsnl):
    ticket = ticket_of("BSNL")
    ticket_transition(actor=bsnl["officer"], number=ticket.number, to=Status.IN_PROGRESS)
    assert (row(ticket)["status"], row(ticket)["assigned_to_id"]) == (Status.IN_PROGRESS, bsnl["officer"].pk)


def test_an_unknown_status_is_bad_input(bsnl):
    ticket = ticket_of("BSNL")
    with pytest.raises(TicketActionError) as error:
        ticket_transition(actor=bsnl["officer"], number=ticket.number, to="done")
    assert error.value.fields.keys() == {"to"}


# --- resolving, rejecting, the SLA clock, reopening ----------------------------------------------


@pytest.mark.parametrize(
    ("to", "code"), [(Status.RESOLVED, "resolution_note_required"), (Status.REJECTED, "rejection_reason_required")]
)
@pytest.mark.parametrize("note", ["", "   "])
def test_resolving_needs_a_note_and_rejecting_a_reason(bsnl, to, code, note):
    ticket = ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"])
    before = row(ticket)
    with pytest.raises(TicketActionError) as error:
        ticket_transition(actor=bsnl["officer"], number=ticket.number, to=to, note=note)
    assert (error.value.code, error.value.http_status, list(error.value.fields)) == (code, 400, ["note"])
    assert row(ticket) == before
    assert not TicketMessage.objects.filter(ticket=ticket, direction=Direction.OUT).exists()


def test_resolving_tells_the_citizen_the_note_and_asks_for_a_rating(bsnl):
    ticket = ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"])
    ticket_transition(actor=bsnl["officer"], number=ticket.number, to=Status.RESOLVED, note="Cable replaced at Kochi.")
    ticket.refresh_from_db()
    assert ticket.resolution_note == "Cable replaced at Kochi."
    assert ticket.resolved_at is not None
    [message] = TicketMessage.objects.filter(ticket=ticket, direction=Direction.OUT)
    assert message.kind == MessageKind.REPLY
    assert message.delivery == Delivery.QUEUED
    assert message.from_account.handle == "BSNLCorporate"
    assert message.sent_by == bsnl["officer"]
    assert "Cable replaced at Kochi." in message.text
    assert "1 (poor) to 5 (excellent)" in message.text
    [event] = events_of(ticket)
    assert event.data["citizen_told"]["message_ids"] == [message.pk]
    assert ticket.first_responded_at is None  # posted later by the outbox, which records it


def test_resolving_a_hindi_ticket_tells_the_citizen_in_hindi(bsnl):
    ticket = ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"], language="hi")
    ticket_transition(actor=bsnl["officer"], number=ticket.number, to=Status.RESOLVED, note="लाइन ठीक कर दी गई है।")
    # Devanagari weighs double on X, so this one is a thread.
    told = TicketMessage.objects.filter(ticket=ticket, direction=Direction.OUT)
    text = " ".join(told.values_list("text", flat=True))
    assert "लाइन ठीक कर दी गई है।" in text
    assert "रेटिंग" in text


def test_rejecting_records_the_reason_and_tells_nobody(bsnl):
    ticket = ticket_of("BSNL")
    ticket_transition(actor=bsnl["officer"], number=ticket.number, to=Status.REJECTED, note="Advertisement.")
    assert row(ticket)["rejection_reason"] == "Advertisement."
    assert not TicketMessage.objects.filter(ticket=ticket, direction=Direction.OUT).exists()


def test_awaiting_the_citizen_pauses_the_sla_clock_and_leaving_resumes_it(bsnl):
    due = timezone.now() + timezone.timedelta(hours=4)
    ticket = ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"], resolution_due_at=due)
    ticket_transition(actor=bsnl["officer"], number=ticket.number, to=Status.AWAITING_CITIZEN)
    assert row(ticket)["sla_paused_at"] is not None
    ticket_transition(actor=bsnl["officer"], number=ticket.number, to=Status.IN_PROGRESS)
    after = row(ticket)
    assert after["sla_paused_at"] is None
    assert after["resolution_due_at"] >= due


@pytest.mark.parametrize("to", [Status.RESOLVED, Status.REJECTED])
def test_leaving_awaiting_citizen_for_an_end_resumes_the_clock(bsnl, to):
    ticket = ticket_of(
        "BSNL", status=Status.AWAITING_CITIZEN, assigned_to=bsnl["officer"], sla_paused_at=timezone.now()
    )
    ticket_transition(actor=bsnl["officer"], number=ticket.number, to=to, note="Fixed.")
    assert row(ticket)["sla_paused_at"] is None


def test_an_officer_reopens_a_resolved_ticket(bsnl):
    ticket = ticket_of("BSNL", status=Status.RESOLVED, assigned_to=bsnl["officer"])
    ticket_transition(actor=bsnl["officer"], number=ticket.number, to=Status.REOPENED, note="Citizen called.")
    assert (row(ticket)["status"], row(ticket)["resolved_at"]) == (Status.REOPENED, None)
    [event] = events_of(ticket)
    assert (event.kind, event.data["note"]) == (EventKind.REOPENED, "Citizen called.")


def test_supervisors_close_early_and_the_close_time_is_kept(bsnl):
    ticket = ticket_of("BSNL", status=Status.RESOLVED, assigned_to=bsnl["officer"])
    ticket_transition(actor=bsnl["supervisor"], number=ticket.number, to=Status.CLOSED)
    assert row(ticket)["closed_at"] is not None


# --- replies and notes -------------------------------------------------------------------------


def test_a_reply_goes_to_the_outbox_with_a_replied_event(bsnl):
    ticket = ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"])
    [message] = ticket_reply(actor=bsnl["officer"], number=ticket.number, text="  We are on it.  ")
    assert (message.text, message.kind, message.delivery) == ("We are on it.", MessageKind.REPLY, Delivery.QUEUED)
    assert message.in_reply_to_tweet_id == ticket.opening_tweet_id
    [event] = events_of(ticket)
    assert (event.kind, event.data["message_ids"]) == (EventKind.REPLIED, [message.pk])
    assert row(ticket)["first_responded_at"] is None


def test_a_long_reply_is_a_numbered_thread(bsnl):
    ticket = ticket_of("BSNL")
    messages = ticket_reply(actor=bsnl["officer"], number=ticket.number, text="We have checked your line. " * 20)
    assert len(messages) > 1
    assert messages[0].text.endswith(f"(1/{len(messages)})")
    assert len(events_of(ticket)) == 1


def test_a_reply_without_an_official_account_needs_a_manual_reply(bsnl):
    ticket = ticket_of("BSNL", reply_account=None)
    [message] = ticket_reply(actor=bsnl["officer"], number=ticket.number, text="We are on it.")
    assert message.delivery == Delivery.MANUAL
    assert row(ticket)["needs_manual_reply"] is True


@pytest.mark.parametrize("text", ["", "   ", "x" * 2801])
def test_an_empty_or_too_long_reply_is_bad_input(bsnl, text):
    ticket = ticket_of("BSNL")
    with pytest.raises(TicketActionError) as error:
        ticket_reply(actor=bsnl["officer"], number=ticket.number, text=text)
    assert list(error.value.fields) == ["text"]
    assert events_of(ticket) == []


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REJECTED])
def test_no_reply_on_a_finished_ticket(bsnl, status):
    ticket = ticket_of("BSNL", status=status)
    with pytest.raises(ActionConflict):
        ticket_reply(actor=bsnl["officer"], number=ticket.number, text="Hello")


def test_auditors_may_not_reply_or_note(bsnl):
    ticket = ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_reply(actor=bsnl["auditor"], number=ticket.number, text="Hello")
    with pytest.raises(ActionForbidden):
        ticket_note(actor=bsnl["ministry_auditor"], number=ticket.number, text="Hello")
    assert events_of(ticket) == []


def test_a_note_is_internal_with_its_event(bsnl):
    ticket = ticket_of("BSNL", status=Status.CLOSED)
    note = ticket_note(actor=bsnl["officer"], number=ticket.number, text="Citizen called the helpline too.")
    assert InternalNote.objects.get() == note
    [event] = events_of(ticket)
    assert (event.kind, event.data) == (EventKind.NOTE, {"note_id": note.pk})
    assert not TicketMessage.objects.filter(ticket=ticket, direction=Direction.OUT).exists()


# --- transfer and merge ------------------------------------------------------------------------


def test_a_transfer_starts_the_ticket_again_in_the_other_department_and_tells_the_citizen(bsnl):
    ticket = ticket_of("BSNL", unit="BSNL_KL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"])
    ticket_transfer(
        actor=bsnl["officer"], number=ticket.number, department_code="posts", reason="A parcel, not a line."
    )
    ticket.refresh_from_db()
    assert (ticket.department.code, ticket.unit, ticket.status, ticket.assigned_to) == (
        "POSTS",
        None,
        Status.NEW,
        None,
    )
    [message] = TicketMessage.objects.filter(ticket=ticket, direction=Direction.OUT)
    assert "Department of Posts" in message.text
    assert ticket.number in message.text
    [event] = events_of(ticket)
    assert event.kind == EventKind.TRANSFERRED
    assert event.data | {"citizen_told": None} == {
        "from": "BSNL",
        "from_unit": "BSNL_KL",
        "to": "POSTS",
        "reason": "A parcel, not a line.",
        "previous_status": Status.IN_PROGRESS,
        "previous_assignee_id": bsnl["officer"].pk,
        "previous_escalation_level": 0,
        "citizen_told": None,
    }
    # Now it is the Department of Posts' ticket, and no longer BSNL's.
    ticket_claim(actor=bsnl["posts_officer"], number=ticket.number)
    with pytest.raises(ObjectNotFound):
        ticket_note(actor=bsnl["officer"], number=ticket.number, text="Still mine?")


@pytest.mark.parametrize(
    ("code", "reason"),
    [("NOPE", "x"), ("BSNL_KL", "x"), ("BSNL", "x"), ("POSTS", "  "), ("INACTIVE", "x")],
)
def test_a_transfer_needs_a_reason_and_another_active_department(bsnl, code, reason):
    DepartmentFactory(code="INACTIVE", parent=department("MOC"), is_active=False)
    ticket = ticket_of("BSNL")
    before = row(ticket)
    with pytest.raises(TicketActionError) as error:
        ticket_transfer(actor=bsnl["officer"], number=ticket.number, department_code=code, reason=reason)
    assert error.value.http_status == 400
    assert row(ticket) == before


def test_a_finished_ticket_is_not_transferred(bsnl):
    ticket = ticket_of("BSNL", status=Status.RESOLVED, assigned_to=bsnl["officer"])
    with pytest.raises(ActionConflict):
        ticket_transfer(actor=bsnl["officer"], number=ticket.number, department_code="POSTS", reason="x")


@pytest.mark.parametrize("who", ["auditor", "ministry_auditor"])
def test_auditors_may_not_transfer(bsnl, who):
    ticket = ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_transfer(actor=bsnl[who], number=ticket.number, department_code="POSTS", reason="x")


def test_a_merge_makes_the_ticket_a_duplicate_and_both_get_an_event(bsnl):
    original = ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=bsnl["officer"])
    duplicate = ticket_of("BSNL")
    ticket_merge(actor=bsnl["officer"], number=duplicate.number, into_number=original.number.lower())
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into, duplicate.rejection_reason) == (
        Status.REJECTED,
        original,
        f"duplicate of {original.number}",
    )
    assert [(e.kind, e.data) for e in events_of(duplicate)] == [
        (EventKind.MERGED, {"into": original.number, "from": Status.NEW})
    ]
    assert [(e.kind, e.data) for e in events_of(original)] == [(EventKind.MERGED, {"merged": duplicate.number})]
    assert row(original)["status"] == Status.IN_PROGRESS


def test_a_merge_into_a_ticket_the_actor_cannot_see_is_bad_input(bsnl):
    duplicate = ticket_of("BSNL")
    elsewhere = ticket_of("POSTS")
    with pytest.raises(TicketActionError) as error:
        ticket_merge(actor=bsnl["officer"], number=duplicate.number, into_number=elsewhere.number)
    assert (error.value.http_status, list(error.value.fields)) == (400, ["into"])
    assert row(duplicate)["status"] == Status.NEW


def test_a_merge_into_a_ticket_the_actor_may_only_read_is_forbidden(bsnl):
    """An officer of the Kerala circle who audits all of BSNL sees BSNL's tickets but works only
    Kerala's: they may not make a BSNL ticket the survivor of a merge."""
    officer = staff("BSNL_KL", Role.OFFICER, username="kl_officer_bsnl_auditor")
    MembershipFactory(user=officer, department=department("BSNL"), role=Role.AUDITOR)
    duplicate = ticket_of("BSNL", unit="BSNL_KL")
    read_only = ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_merge(actor=officer, number=duplicate.number, into_number=read_only.number)
    assert row(duplicate)["status"] == Status.NEW
    assert not events_of(read_only)


def test_a_merge_into_itself_or_a_rejected_ticket_is_refused(bsnl):
    ticket = ticket_of("BSNL")
    rejected = ticket_of("BSNL", status=Status.REJECTED)
    with pytest.raises(TicketActionError):
        ticket_merge(actor=bsnl["officer"], number=ticket.number, into_number=ticket.number)
    with pytest.raises(ActionConflict):
        ticket_merge(actor=bsnl["officer"], number=ticket.number, into_number=rejected.number)


def test_a_resolved_ticket_cannot_be_merged(bsnl):
    resolved = ticket_of("BSNL", status=Status.RESOLVED, assigned_to=bsnl["officer"])
    with pytest.raises(ActionConflict):
        ticket_merge(actor=bsnl["officer"], number=resolved.number, into_number=ticket_of("BSNL").number)


# --- escalations -------------------------------------------------------------------------------


def escalation(ticket: Ticket, *, level=Escalation.Level.L2, notify="BSNL") -> Escalation:
    return Escalation.objects.create(ticket=ticket, level=level, notify_department=department(notify))


@pytest.mark.parametrize("role", ["supervisor", "department_admin"])
def test_a_supervisor_acknowledges_an_escalation(bsnl, role):
    raised = escalation(ticket_of("BSNL"))
    escalation_acknowledge(actor=bsnl[role], escalation_id=raised.pk)
    raised.refresh_from_db()
    assert (raised.acknowledged_by, raised.acknowledged_at is not None) == (bsnl[role], True)
    [event] = events_of(raised.ticket)
    assert (event.kind, event.data["escalation_id"]) == (EventKind.ESCALATION_ACKNOWLEDGED, raised.pk)
    with pytest.raises(ActionConflict):
        escalation_acknowledge(actor=bsnl[role], escalation_id=raised.pk)


@pytest.mark.parametrize("who", ["officer", "auditor", "ministry_auditor"])
def test_only_supervisors_acknowledge(bsnl, who):
    raised = escalation(ticket_of("BSNL"))
    with pytest.raises(ActionForbidden):
        escalation_acknowledge(actor=bsnl[who], escalation_id=raised.pk)


def test_a_ministry_escalation_is_not_a_departments_to_acknowledge(bsnl):
    raised = escalation(ticket_of("BSNL"), level=Escalation.Level.L3, notify="MOC")
    with pytest.raises(ObjectNotFound):
        escalation_acknowledge(actor=bsnl["supervisor"], escalation_id=raised.pk)
    with pytest.raises(ObjectNotFound):
        escalation_acknowledge(actor=bsnl["supervisor"], escalation_id=2**70)


# --- auto-assignment and take-next -------------------------------------------------------------


def test_auto_assignment_gives_each_ticket_to_the_least_loaded_officer_on_duty(bsnl):
    bsnl_dept = department("BSNL")
    busy, idle, off_duty = staff("BSNL"), staff("BSNL"), staff("BSNL")
    Membership.objects.filter(user=off_duty).update(on_duty=False)
    Membership.objects.filter(user=bsnl["officer"]).update(on_duty=False)
    for _ in range(3):
        ticket_of("BSNL", status=Status.IN_PROGRESS, assigned_to=busy)
    waiting = [ticket_of("BSNL") for _ in range(5)]
    ticket_of("POSTS")  # another department's is not touched

    assert ticket_auto_assign(department_id=bsnl_dept.pk, limit=100) == 5
    owners = Counter(Ticket.objects.filter(pk__in=[t.pk for t in waiting]).values_list("assigned_to_id", flat=True))
    assert owners == {idle.pk: 4, busy.pk: 1}  # 3 + 1 = 0 + 4
    assert AuditEvent.objects.filter(kind=EventKind.ASSIGNED, data__how="auto").count() == 5
    assert ticket_auto_assign(department_id=bsnl_dept.pk, limit=100) == 0


def test_auto_assignment_takes_the_most_urgent_first_and_respects_the_limit(bsnl):
    low = ticket_of("POSTS", priority=Priority.P4)
    urgent = ticket_of("POSTS", priority=Priority.P1)
    assert ticket_auto_assign(department_id=department("POSTS").pk, limit=1) == 1
    assert row(urgent)["assigned_to_id"] == bsnl["posts_officer"].pk
    assert row(low)["assigned_to_id"] is None


def test_auto_assignment_of_a_unit_uses_the_units_officers(bsnl):
    kerala = staff("BSNL_KL")
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    ticket_of("BSNL", unit="BSNL_MH")
    assert ticket_auto_assign(unit_id=department("BSNL_KL").pk, limit=10) == 1
    assert row(ticket)["assigned_to_id"] == kerala.pk


def test_auto_assignment_needs_one_scope():
    with pytest.raises(ValueError, match="exactly one"):
        ticket_auto_assign(limit=1)


def test_take_next_gives_the_most_urgent_oldest_unassigned_ticket_in_scope(bsnl):
    ticket_of("POSTS", priority=Priority.P1)
    older = ticket_of("BSNL", priority=Priority.P2)
    ticket_of("BSNL", priority=Priority.P2)
    ticket_of("BSNL", priority=Priority.P3)
    taken = ticket_take_next(officer=bsnl["officer"])
    assert taken == older
    assert (row(older)["status"], row(older)["assigned_to_id"]) == (Status.ASSIGNED, bsnl["officer"].pk)


def test_take_next_with_nothing_waiting_is_none(bsnl):
    ticket_of("BSNL", status=Status.ASSIGNED, assigned_to=bsnl["supervisor"])
    assert ticket_take_next(officer=bsnl["officer"]) is None


def test_auditors_take_nothing(bsnl):
    ticket_of("BSNL")
    with pytest.raises(ActionForbidden):
        ticket_take_next(officer=bsnl["ministry_auditor"])


@pytest.mark.django_db(transaction=True)
def test_concurrent_assigners_give_every_ticket_to_exactly_one_officer():
    """8 assigners at once over 1,000 tickets: none assigned twice, none left over."""
    dept = DepartmentFactory(code="LOAD")
    officers = [MembershipFactory(department=dept, role=Role.OFFICER).user for _ in range(8)]
    tickets = ActionTicketFactory.build_batch(1000, department=dept, reply_account=None)
    Ticket.objects.bulk_create(tickets)
    start, errors = threading.Barrier(8), []

    def assign() -> None:
        try:
            start.wait()
            while ticket_auto_assign(department_id=dept.pk, limit=25):
                pass
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert not Ticket.objects.filter(department=dept, assigned_to__isnull=True).exists()
    assert set(Ticket.objects.filter(department=dept).values_list("assigned_to_id", flat=True)) <= {
        officer.pk for officer in officers
    }
    assigned_events = Counter(AuditEvent.objects.filter(kind=EventKind.ASSIGNED).values_list("ticket_id", flat=True))
    assert len(assigned_events) == 1000
    assert set(assigned_events.values()) == {1}
    assert not any(isinstance(step, ChainBreak) for step in audit_chain_verify())


# --- sign-in events ----------------------------------------------------------------------------


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
    with caplog.at_level("WARNING", logger="tickets.services.access"):
        login_failed_record(username="x" * 10_000, ip_address="203.0.113.5", path="/admin/login/")
    assert not AuditEvent.objects.exists()
    (record,) = [r for r in caplog.records if r.name == "tickets.services.access"]
    assert "x" * 64 in record.getMessage()
    assert "x" * 65 not in record.getMessage()
    assert "203.0.113.5" in record.getMessage()


def test_users_without_memberships_see_nothing_to_work(db):
    stranger = UserFactory()
    ticket = ActionTicketFactory(department=Department.objects.create(code="X1", name_en="X"))
    with pytest.raises(ObjectNotFound):
        ticket_claim(actor=stranger, number=ticket.number)
