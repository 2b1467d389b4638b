"""The targets that govern a department and the due times of new tickets (tickets/sla/targets.py)."""

import io
import json

from departments.models import BusinessCalendar, CannedResponse, Department, Holiday, SlaPolicy
from departments.seed import seed_demo
from tests.factories import DepartmentFactory
from tests.factories.tickets import SlaPolicyFactory
from tests.ingestion.factories import v2_tweet
from tests.tickets.sla.conftest import ist
from tickets.lifecycle import Priority
from tickets.sla.targets import PolicyMinutes, sla_due_times, sla_targets_for

# The targets of departments: nearest ancestor's calendar and policy.


def test_a_department_without_a_calendar_or_policy_uses_its_nearest_ancestors(tree):
    start = ist(2026, 11, 17, 17, 0)  # Tuesday
    # An hour fits before 18:00; the working day then runs into Wednesday.
    assert sla_due_times(department_id=tree["department"].id, priority=Priority.P3, start=start) == (
        ist(2026, 11, 17, 18, 0),
        ist(2026, 11, 18, 17, 0),
    )


def test_a_unit_with_its_own_calendar_keeps_its_own_holidays(tree):
    start = ist(2026, 11, 17, 17, 0)
    assert sla_due_times(department_id=tree["unit"].id, priority=Priority.P3, start=start) == (
        ist(2026, 11, 17, 18, 0),
        ist(2026, 11, 19, 17, 0),
    )


def test_a_unit_policy_overrides_only_its_priority(tree):
    targets = sla_targets_for([tree["unit"].id, tree["department"].id])
    assert targets[tree["unit"].id].policies == {
        "p1": PolicyMinutes(30, 60),
        "p3": PolicyMinutes(60, 450),
    }
    assert targets[tree["department"].id].policies == {"p3": PolicyMinutes(60, 450)}


def test_no_policy_for_the_priority_means_no_due_times(tree):
    assert sla_due_times(department_id=tree["department"].id, priority=Priority.P4, start=ist(2026, 11, 17)) == (
        None,
        None,
    )


def test_a_tree_without_a_calendar_counts_every_minute(db):
    lone = DepartmentFactory()
    SlaPolicyFactory(department=lone, first_response_minutes=60, resolution_minutes=120)
    start = ist(2026, 11, 22, 23, 30)  # a Sunday night
    assert sla_due_times(department_id=lone.id, priority=Priority.P3, start=start) == (
        ist(2026, 11, 23, 0, 30),
        ist(2026, 11, 23, 1, 30),
    )


def test_the_loader_takes_one_query_however_many_departments(tree, django_assert_num_queries):
    extra = [DepartmentFactory(parent=tree["department"]).id for _ in range(10)]
    with django_assert_num_queries(1):
        sla_targets_for([tree["unit"].id])
    with django_assert_num_queries(1):
        targets = sla_targets_for([tree["unit"].id, tree["department"].id, *extra])
    assert len(targets) == 12


def test_policies_are_read_fresh_and_calendars_come_from_the_process_cache(tree):
    department_id = tree["department"].id
    clock = sla_targets_for([department_id])[department_id].clock
    SlaPolicy.objects.filter(department=tree["ministry"]).update(first_response_minutes=90)
    targets = sla_targets_for([department_id])[department_id]
    assert targets.policies["p3"].first_response == 90
    assert targets.clock is clock


def test_new_tickets_get_due_times_from_their_units_policy_at_creation(db):
    from ingestion.files import ingest_stream
    from tickets.models import Ticket

    seed_demo(password="demo-pass-123")
    pages = [v2_tweet("Broadband dead in Kochi #BSNLSeva"), v2_tweet("Broadband dead in Pune #BSNLSeva")]
    ingest_stream(io.BytesIO("\n".join(json.dumps(page) for page in pages).encode()))
    tickets = list(Ticket.objects.select_related("unit"))
    assert sorted(ticket.unit.code for ticket in tickets) == ["BSNL_KL", "BSNL_MH"]
    for ticket in tickets:
        assert ticket.priority == Priority.P3
        assert (ticket.first_response_due_at, ticket.resolution_due_at) == sla_due_times(
            department_id=ticket.unit_id, priority=Priority.P3, start=ticket.created_at
        )
        assert ticket.created_at < ticket.first_response_due_at < ticket.resolution_due_at


def test_the_seeded_kerala_circle_keeps_onam_and_maharashtra_does_not(db):
    seed_demo(password="demo-pass-123")
    kerala, maharashtra = (Department.objects.get(code=code).id for code in ("BSNL_KL", "BSNL_MH"))
    start = ist(2026, 8, 25, 17, 0)  # Tuesday; Thiruvonam is Wednesday 26 August
    assert sla_due_times(department_id=maharashtra, priority=Priority.P1, start=start) == (
        ist(2026, 8, 25, 17, 30),
        ist(2026, 8, 26, 17, 0),
    )
    assert sla_due_times(department_id=kerala, priority=Priority.P1, start=start) == (
        ist(2026, 8, 25, 17, 30),
        ist(2026, 8, 27, 17, 0),
    )


def test_seeding_twice_changes_nothing(db):
    seed_demo(password="demo-pass-123")
    counts = [model.objects.count() for model in (BusinessCalendar, Holiday, SlaPolicy, CannedResponse)]
    seed_demo(password="demo-pass-123")
    assert [model.objects.count() for model in (BusinessCalendar, Holiday, SlaPolicy, CannedResponse)] == counts
    assert counts[0] == 3  # each ministry's calendar and Kerala's
    assert counts[2] == 8  # four priorities for each ministry
