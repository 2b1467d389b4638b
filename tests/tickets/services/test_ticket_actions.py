"""tickets/services/ticket_actions.py: claiming, assigning, the status transitions with what each one stores
and tells the citizen, replies and internal notes."""

import pytest
from django.utils import timezone

from departments.models import Department
from tests.factories import UserFactory
from tests.factories.tickets import TicketFactory, staff, ticket_of
from tests.tickets.services.support import ALLOWED, REFUSED, events_of, in_status, note_for, row
from tickets.lifecycle import Status
from tickets.models import (
    Delivery,
    Direction,
    EventKind,
    InternalNote,
    MessageKind,
    TicketMessage,
)
from tickets.services import (
    ActionConflict,
    ActionForbidden,
    ObjectNotFound,
    TicketActionError,
    ticket_assign,
    ticket_claim,
    ticket_note,
    ticket_reply,
    ticket_transition,
)

pytestmark = pytest.mark.django_db


# --- claim and assign ----------------------------------------------------------------------


def test_an_officer_claims_an_unassigned_ticket(bsnl):
    ticket = ticket_of("BSNL")
    ticket_claim(actor=bsnl["officer"], number=ticket.number)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assigned_to) == (Status.ASSIGNED, bsnl["officer"])
    [event] = events_of(ticket)
    assert (event.kind, event.actor, event.data["how"]) == (EventKind.ASSIGNED, bsnl["officer"], "claim")


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


def test_an_officer_of_another_unit_does_not_see_the_ticket(seeded):
    pune = staff("BSNL_MH")
    ticket = ticket_of("BSNL", unit="BSNL_KL")
    with pytest.raises(ObjectNotFound):
        ticket_claim(actor=pune, number=ticket.number)


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


def test_users_without_memberships_see_nothing_to_work(db):
    stranger = UserFactory()
    ticket = TicketFactory(department=Department.objects.create(code="X1", name_en="X"))
    with pytest.raises(ObjectNotFound):
        ticket_claim(actor=stranger, number=ticket.number)


# --- transitions ---------------------------------------------------------------------------


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
def test_another_departments_officer_finds_no_ticket_to_move(bsnl, from_status, to):
    ticket = in_status(from_status, owner=bsnl["officer"])
    with pytest.raises(ObjectNotFound):
        ticket_transition(actor=bsnl["posts_officer"], number=ticket.number, to=to, note=note_for(to))


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


# --- resolving, rejecting, the SLA clock, reopening ----------------------------------------


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


# --- replies and notes ---------------------------------------------------------------------


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


def test_a_note_is_internal_with_its_event(bsnl):
    ticket = ticket_of("BSNL", status=Status.CLOSED)
    note = ticket_note(actor=bsnl["officer"], number=ticket.number, text="Citizen called the helpline too.")
    assert InternalNote.objects.get() == note
    [event] = events_of(ticket)
    assert (event.kind, event.data) == (EventKind.NOTE, {"note_id": note.pk})
    assert not TicketMessage.objects.filter(ticket=ticket, direction=Direction.OUT).exists()
