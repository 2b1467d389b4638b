"""The SLA sweep (L1-L3, each once), its notifications, and resolved tickets closing themselves."""

import io
import threading
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from departments.models import Role
from tests.factories import DepartmentFactory, member
from tickets.audit import ChainBreak, audit_chain_verify
from tickets.lifecycle import Status
from tickets.models import AuditEvent, Escalation, EventKind, Ticket
from tickets.services.sla_sweep import sla_sweep
from tickets.tasks import sla_sweep_task

from .sla_support import CREATED, FIRST_DUE, IST, MINUTE, RESOLUTION_DUE, TWICE_DUE, due_ticket


def escalations(ticket: Ticket) -> list[tuple[int, str]]:
    return list(ticket.escalations.order_by("level").values_list("level", "notify_department__code"))


def test_nothing_is_raised_before_a_target_passes(tree):
    ticket = due_ticket(tree)
    assert sla_sweep(now=FIRST_DUE - MINUTE).total == 0
    assert escalations(ticket) == []


def test_l1_when_the_first_response_is_late_goes_to_the_unit(tree):
    ticket = due_ticket(tree)
    summary = sla_sweep(now=FIRST_DUE + MINUTE)
    assert summary.raised == {1: 1}
    assert escalations(ticket) == [(1, "TEL_KL")]
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1


def test_l1_without_a_unit_goes_to_the_department(tree):
    ticket = due_ticket(tree, unit=None)
    sla_sweep(now=FIRST_DUE + MINUTE)
    assert escalations(ticket) == [(1, "TEL")]


def test_a_first_response_given_means_no_l1(tree):
    ticket = due_ticket(tree, first_responded_at=CREATED + timedelta(minutes=30))
    assert sla_sweep(now=FIRST_DUE + MINUTE).total == 0
    assert escalations(ticket) == []


def test_l2_when_the_resolution_is_late_goes_to_the_department(tree):
    ticket = due_ticket(tree, first_responded_at=CREATED + timedelta(minutes=30))
    assert sla_sweep(now=RESOLUTION_DUE + MINUTE).raised == {2: 1}
    assert escalations(ticket) == [(2, "TEL")]
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2


def test_l3_at_twice_the_resolution_target_goes_to_the_ministry(tree):
    ticket = due_ticket(tree)
    sla_sweep(now=RESOLUTION_DUE + MINUTE)
    assert sla_sweep(now=TWICE_DUE - MINUTE).total == 0
    assert sla_sweep(now=TWICE_DUE + MINUTE).raised == {3: 1}
    assert escalations(ticket) == [(1, "TEL_KL"), (2, "TEL"), (3, "MIN")]
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3
    assert ticket.escalations.get(level=3).target_due_at == TWICE_DUE


def test_a_late_sweep_raises_every_level_due_at_once(tree):
    ticket = due_ticket(tree)
    assert sla_sweep(now=TWICE_DUE + MINUTE).raised == {1: 1, 2: 1, 3: 1}
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3


def test_sweeping_again_raises_nothing_twice(tree):
    tickets = [due_ticket(tree) for _ in range(3)]
    assert sla_sweep(now=TWICE_DUE + MINUTE).total == 9
    assert sla_sweep(now=TWICE_DUE + MINUTE).total == 0
    assert sla_sweep(now=TWICE_DUE + timedelta(days=30)).total == 0
    assert Escalation.objects.filter(ticket__in=tickets).count() == 9


def test_a_ticket_waiting_on_the_citizen_is_not_escalated(tree):
    ticket = due_ticket(tree, status=Status.AWAITING_CITIZEN, sla_paused_at=CREATED + timedelta(minutes=20))
    assert sla_sweep(now=TWICE_DUE + MINUTE).total == 0
    assert escalations(ticket) == []


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED, Status.REJECTED])
def test_finished_tickets_are_not_escalated(tree, status):
    resolved_at = CREATED + timedelta(hours=2) if status != Status.REJECTED else None
    due_ticket(tree, status=status, resolved_at=resolved_at)
    assert sla_sweep(now=TWICE_DUE + MINUTE).total == 0


def test_an_acknowledged_escalation_is_not_raised_again(tree):
    ticket = due_ticket(tree)
    sla_sweep(now=FIRST_DUE + MINUTE)
    supervisor = member(department=tree["unit"], role=Role.SUPERVISOR)
    Escalation.objects.filter(ticket=ticket).update(acknowledged_by=supervisor, acknowledged_at=FIRST_DUE)
    assert sla_sweep(now=FIRST_DUE + 2 * MINUTE).total == 0


def test_each_escalation_is_an_event_in_the_audit_chain(tree):
    ticket = due_ticket(tree)
    sla_sweep(now=TWICE_DUE + MINUTE)
    events = AuditEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATED).order_by("id")
    assert [(e.data["level"], e.data["notify_department"]) for e in events] == [(1, "TEL_KL"), (2, "TEL"), (3, "MIN")]
    assert {e.data["escalation_id"] for e in events} == set(ticket.escalations.values_list("id", flat=True))
    assert not any(isinstance(step, ChainBreak) for step in audit_chain_verify())


def test_supervisors_of_the_notified_department_and_its_ancestors_get_one_mail(
    tree, mailoutbox, django_capture_on_commit_callbacks
):
    unit_supervisor = member(department=tree["unit"], role=Role.SUPERVISOR)
    department_admin = member(department=tree["department"], role=Role.DEPARTMENT_ADMIN)
    ministry_supervisor = member(department=tree["ministry"], role=Role.SUPERVISOR)
    member(department=tree["unit"], role=Role.OFFICER)
    member(department=tree["unit"], role=Role.AUDITOR)
    member(department=DepartmentFactory(), role=Role.SUPERVISOR)
    tickets = [due_ticket(tree) for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=FIRST_DUE + MINUTE)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == sorted(u.email for u in (unit_supervisor, department_admin, ministry_supervisor))
    assert mail.from_email == settings.DEFAULT_FROM_EMAIL
    assert "3 ticket(s) escalated to TEL_KL" in mail.subject
    assert all(ticket.number in mail.body for ticket in tickets)


def test_each_notified_department_gets_its_own_mail(tree, mailoutbox, django_capture_on_commit_callbacks):
    member(department=tree["unit"], role=Role.SUPERVISOR)
    member(department=tree["department"], role=Role.SUPERVISOR)
    ministry_supervisor = member(department=tree["ministry"], role=Role.SUPERVISOR)
    due_ticket(tree)

    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=TWICE_DUE + MINUTE)

    assert sorted(mail.subject.rsplit(" ", 1)[-1] for mail in mailoutbox) == ["MIN", "TEL", "TEL_KL"]
    ministry_mail = next(mail for mail in mailoutbox if mail.subject.endswith(" MIN"))
    assert ministry_mail.to == [ministry_supervisor.email]


def test_the_sweeps_queries_do_not_grow_with_the_tickets_due(tree, django_capture_on_commit_callbacks):
    member(department=tree["unit"], role=Role.SUPERVISOR)
    member(department=tree["department"], role=Role.SUPERVISOR)
    other_unit = DepartmentFactory(parent=tree["department"], is_unit=True)
    member(department=other_unit, role=Role.SUPERVISOR)

    def queries_for(count: int) -> int:
        for n in range(count):
            due_ticket(tree, unit=other_unit if n % 2 else tree["unit"])
        with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
            assert sla_sweep(now=TWICE_DUE + MINUTE).total == 3 * count
        return len(captured.captured_queries)

    assert queries_for(2) == queries_for(25)


def test_sweep_sla_drill_prints_counts_per_level(tree):
    due_ticket(tree, first_responded_at=CREATED + timedelta(minutes=5))
    due_ticket(tree)
    out = io.StringIO()
    call_command("sweep_sla", "--now", (RESOLUTION_DUE + MINUTE).isoformat(), stdout=out)
    text = out.getvalue()
    assert "L1 · first response late: 1" in text
    assert "L2 · resolution late: 2" in text
    assert "L3 · ministry: 0" in text
    assert "total: 3" in text


def test_sweep_sla_now_without_an_offset_is_indias_time(tree):
    due_ticket(tree)
    call_command("sweep_sla", "--now", "2026-11-16T11:01", stdout=io.StringIO())
    assert Escalation.objects.filter(level=1).count() == 1


def test_the_beat_runs_the_sweep_every_minute_and_the_task_sweeps(tree):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["sla-sweep"] == {**schedule["sla-sweep"], "task": "tickets.tasks.sla_sweep_task", "schedule": 60.0}
    assert schedule["close-resolved"]["task"] == "tickets.tasks.close_resolved_task"
    now = datetime.now(tz=IST)
    due_ticket(tree, created_at=now - timedelta(hours=3), first_response_due_at=None, resolution_due_at=now - MINUTE)
    assert sla_sweep_task() == {"L2": 1}


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_raise_each_level_once(tree):
    member(department=tree["unit"], role=Role.SUPERVISOR)
    tickets = [due_ticket(tree) for _ in range(20)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(sla_sweep(now=TWICE_DUE + MINUTE).total)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [0, 60]
    assert Escalation.objects.filter(ticket__in=tickets).count() == 60
    assert AuditEvent.objects.filter(kind=EventKind.ESCALATED).count() == 60
    assert not any(isinstance(step, ChainBreak) for step in audit_chain_verify())


def test_a_transferred_ticket_is_escalated_again_to_its_new_department(ingest_lines):
    from accounts.models import User
    from tests.ingestion.factories import tweet_id_of, v2_tweet
    from tickets.models import TicketMessage
    from tickets.services import ticket_transfer

    page = v2_tweet("No signal for days #BSNLSeva")
    ingest_lines(page)
    ticket = TicketMessage.objects.get(tweet_id=int(tweet_id_of(page))).ticket
    later = ticket.first_response_due_at + timedelta(minutes=1)
    sla_sweep(now=later)
    assert list(ticket.escalations.values_list("level", "notify_department__code")) == [(1, "BSNL")]

    ticket_transfer(
        actor=User.objects.get(username="admin"),
        number=ticket.number,
        department_code="POSTS",
        reason="It is about a parcel",
    )
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0
    sla_sweep(now=ticket.first_response_due_at + timedelta(minutes=1))
    assert sorted(ticket.escalations.values_list("level", "notify_department__code")) == [(1, "BSNL"), (1, "POSTS")]
    from tickets.selectors import escalation_list

    # The old department's supervisors no longer see it in their queue; the new department's do.
    assert not escalation_list(user=User.objects.get(username="bsnl_supervisor")).filter(ticket=ticket).exists()
    posts_supervisor = member(department=ticket.department, role=Role.SUPERVISOR)
    assert list(
        escalation_list(user=posts_supervisor).filter(ticket=ticket).values_list("notify_department__code", flat=True)
    ) == ["POSTS"]
