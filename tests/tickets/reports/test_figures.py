"""The summary's figures against the hand-built month (conftest.py), each answer worked out by hand:
volume, SLA compliance, business-hours times across a weekend and a holiday, escalations, transfers,
appeals, CSAT; per department, unit and officer."""

import pytest

from departments.models import Role
from tests.factories.tickets import staff
from tests.tickets.reports.conftest import NOVEMBER, NOW, user
from tickets.reports.figures import accountability_report

pytestmark = pytest.mark.django_db


def bsnl_report(username: str = "auditor", department_code: str | None = "BSNL"):
    return accountability_report(user=user(username), department_code=department_code, now=NOW, **NOVEMBER)


def rows_by_code(report) -> dict:
    return {row.code: row for row in report.rows}


def test_volume_and_resolved_within_sla(month):
    bsnl = rows_by_code(bsnl_report())["BSNL"]
    # Received: the weekend, transferred (now BSNL's), open-late and rejected tickets; not October's.
    assert (bsnl.received, bsnl.rejected, bsnl.open_at_end) == (4, 1, 1)
    # Resolved in November: weekend and transferred by their due times, October's late.
    assert (bsnl.resolved, bsnl.resolved_within_sla, bsnl.resolved_within_sla_percent) == (3, 2, 66.7)


def test_sla_compliance_per_target(month):
    bsnl = rows_by_code(bsnl_report())["BSNL"]
    # First response: weekend met; transferred (next day) and open-late (never) missed; rejected neither.
    assert (bsnl.first_response_met, bsnl.first_response_missed, bsnl.first_response_compliance_percent) == (
        1,
        2,
        33.3,
    )
    assert (bsnl.resolution_met, bsnl.resolution_missed, bsnl.resolution_compliance_percent) == (2, 1, 66.7)
    assert bsnl.breached == 2


def test_times_are_business_hours_across_a_weekend_and_a_holiday(month):
    bsnl = rows_by_code(bsnl_report())["BSNL"]
    # First responses of 5.5 (Friday evening to Monday, 65.5 wall-clock hours) and 7.5 business hours.
    assert (bsnl.first_response_median_business_hours, bsnl.first_response_p90_business_hours) == (6.5, 7.3)
    # Resolutions of 8 (October's, over a weekend), 15 and 20 (over the weekend and the holiday).
    assert (bsnl.resolution_median_business_hours, bsnl.resolution_p90_business_hours) == (15.0, 19.0)


def test_escalations_appeals_and_transfers(month):
    bsnl = rows_by_code(bsnl_report())["BSNL"]
    assert (bsnl.escalations_l1, bsnl.escalations_l2, bsnl.escalations_l3, bsnl.appeals) == (1, 1, 1, 1)
    assert (bsnl.escalations_acknowledged, bsnl.acknowledge_median_hours) == (1, 15.5)
    # Into BSNL from POSTS; BSNL sent none away.
    assert (bsnl.transfers_in, bsnl.transfers_out) == (1, 0)


def test_csat_average_and_share_of_ones_and_twos(month):
    bsnl = rows_by_code(bsnl_report())["BSNL"]
    # Ratings given in November: 2, 1 and 5 (October's 4 is before the period).
    assert (bsnl.feedback_count, bsnl.feedback_average_rating) == (3, 2.67)
    assert (bsnl.feedback_low_count, bsnl.feedback_low_percent) == (2, 66.7)


def test_a_unit_row_counts_its_own_tickets(month):
    rows = rows_by_code(bsnl_report())
    kerala = rows["BSNL_KL"]
    assert (kerala.level, kerala.received, kerala.resolved, kerala.open_at_end) == ("unit", 1, 0, 1)
    assert (kerala.first_response_missed, kerala.first_response_compliance_percent) == (1, 0)
    assert rows["BSNL_MH"].received == 0  # a unit with nothing still has its row


def test_per_officer(month):
    officers = {officer.username: officer for officer in bsnl_report().officers}
    assert list(officers) == ["bsnl_supervisor", "bsnl_officer"]  # most resolved first
    supervisor, officer = officers["bsnl_supervisor"], officers["bsnl_officer"]
    # The supervisor took the transferred ticket over and holds October's: both resolved, one late.
    assert (supervisor.assigned, supervisor.resolved, supervisor.resolved_within_sla) == (1, 2, 1)
    assert (supervisor.resolved_within_sla_percent, supervisor.resolution_median_business_hours) == (50, 11.5)
    assert supervisor.resolution_p90_business_hours == 14.3
    assert (supervisor.feedback_count, supervisor.feedback_average_rating, supervisor.feedback_low_percent) == (
        2,
        3.5,
        50,
    )
    # The officer was given three tickets, resolved the weekend one on time, and it was rated 1.
    assert (officer.assigned, officer.resolved, officer.resolved_within_sla_percent) == (3, 1, 100)
    assert (officer.resolution_median_business_hours, officer.feedback_average_rating) == (20.0, 1.0)


def test_the_ministry_sees_the_transfer_leave_posts(month):
    rows = rows_by_code(bsnl_report(department_code=None))
    assert (rows["POSTS"].transfers_out, rows["POSTS"].transfers_in, rows["POSTS"].received) == (1, 0, 1)
    assert (rows[None].transfers_out, rows[None].transfers_in, rows[None].received) == (1, 1, 5)


def test_a_posts_supervisor_counts_the_transfer_out_but_not_the_ticket(month):
    supervisor = staff("POSTS", Role.SUPERVISOR)
    report = accountability_report(user=supervisor, department_code="POSTS", now=NOW, **NOVEMBER)
    posts = rows_by_code(report)["POSTS"]
    assert (posts.received, posts.transfers_out) == (1, 1)
