"""Triage worked out ahead (file ingestion's parsing process classifies each routed tweet) is taken
only while the rules that gave it still govern the ticket's department (tickets.triage.rules)."""

import pytest

from departments.models import Department
from tickets.models import TriageRule
from tickets.triage.rules import TriageResult, triage_classify_ahead, triage_classify_many

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

MONEY = "Recharge failed but paise kat gaye from my account"
MARKER = TriageResult(priority="p4", category_id=None, rule_id=None, reason="worked out ahead")


def _ahead_with_marker(department, text=MONEY, key=1):
    """Ahead results for `text`, the result swapped for a marker: seeing it proves it was taken."""
    ahead = triage_classify_ahead(requests=[(key, department.id, text)])
    assert ahead.results[key][1].priority == "p1"  # what the money rule makes of it
    ahead.results[key] = (department.id, MARKER)
    return ahead


def test_a_result_worked_out_ahead_is_taken_while_the_rules_stand():
    bsnl = Department.objects.get(code="BSNL")
    ahead = _ahead_with_marker(bsnl)
    assert triage_classify_many(requests=[(bsnl.id, MONEY)], ahead=ahead, keys=[1]) == [MARKER]


def test_a_rule_changed_since_is_classified_afresh():
    bsnl = Department.objects.get(code="BSNL")
    ahead = _ahead_with_marker(bsnl)
    rule = TriageRule.objects.get(pk=triage_classify_many(requests=[(bsnl.id, MONEY)])[0].rule_id)
    rule.priority = "p2"
    rule.save()
    [result] = triage_classify_many(requests=[(bsnl.id, MONEY)], ahead=ahead, keys=[1])
    assert result != MARKER
    assert result == triage_classify_many(requests=[(bsnl.id, MONEY)])[0]
    assert result.rule_id != rule.id  # another P1 rule now wins


def test_a_rule_added_since_is_classified_afresh():
    bsnl = Department.objects.get(code="BSNL")
    ahead = _ahead_with_marker(bsnl)
    TriageRule.objects.create(
        department=bsnl, name="Recharge", cues="recharge failed", priority="p1", category_id="money_deducted"
    )
    [result] = triage_classify_many(requests=[(bsnl.id, MONEY)], ahead=ahead, keys=[1])
    assert result != MARKER
    assert result.priority == "p1"


def test_a_rule_deactivated_since_is_classified_afresh():
    bsnl = Department.objects.get(code="BSNL")
    ahead = _ahead_with_marker(bsnl)
    TriageRule.objects.filter(pk=triage_classify_many(requests=[(bsnl.id, MONEY)])[0].rule_id).update(is_active=False)
    [result] = triage_classify_many(requests=[(bsnl.id, MONEY)], ahead=ahead, keys=[1])
    assert result != MARKER


def test_another_department_or_key_is_classified_afresh():
    bsnl, mtnl = Department.objects.get(code="BSNL"), Department.objects.get(code="MTNL")
    ahead = _ahead_with_marker(bsnl)
    # The ticket went elsewhere than the tweet was classified for (an edit changed its hashtag).
    [elsewhere] = triage_classify_many(requests=[(mtnl.id, MONEY)], ahead=ahead, keys=[1])
    [other_key] = triage_classify_many(requests=[(bsnl.id, MONEY)], ahead=ahead, keys=[2])
    assert (elsewhere, other_key) != (MARKER, MARKER)
    assert MARKER not in (elsewhere, other_key)
    assert elsewhere.priority == other_key.priority == "p1"
