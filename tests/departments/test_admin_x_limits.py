"""The admin refuses a handle or hashtag the X plan's stream rules cannot hold (issue 11), and says what to do."""

import pytest
from django.urls import reverse

from departments.models import Department, Hashtag, OfficialAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_plan(settings):
    # The seed's sixteen terms fill one rule of 270 characters (258 used); one more term needs a second.
    settings.X_STREAM_RULE_MAX_LENGTH, settings.X_STREAM_MAX_RULES = 270, 1


def form_errors(response) -> dict:
    assert response.status_code == 200, "the form should come back with its errors"
    return response.context["adminform"].form.errors


def test_a_hashtag_that_needs_a_rule_past_the_plan_is_a_form_error_saying_what_to_do(
    ministry_admin_client, small_plan
):
    bsnl = Department.objects.get(code="BSNL")
    response = ministry_admin_client.post(
        reverse("admin:departments_hashtag_add"), {"tag": "BSNLHimachal", "department": bsnl.pk}
    )

    [message] = form_errors(response)["tag"]
    assert "would need 2 rules" in message
    assert "allows 1" in message
    assert "Remove handles or hashtags" in message
    assert not Hashtag.objects.filter(tag="BSNLHimachal").exists()


def test_an_official_account_past_the_plan_is_refused_too(ministry_admin_client, small_plan):
    bsnl = Department.objects.get(code="BSNL")
    response = ministry_admin_client.post(
        reverse("admin:departments_officialaccount_add"),
        {"handle": "BSNL_Himachal", "x_user_id": "123456789", "department": bsnl.pk},
    )

    assert "would need 2 rules" in form_errors(response)["handle"][0]
    assert not OfficialAccount.objects.filter(handle="BSNL_Himachal").exists()


def test_renaming_a_hashtag_within_the_plan_is_accepted(ministry_admin_client, small_plan):
    # Same number of terms, a name as long: it still fits the one rule.
    hashtag = Hashtag.objects.get(tag="BSNLSeva")
    response = ministry_admin_client.post(
        reverse("admin:departments_hashtag_change", args=[hashtag.pk]),
        {"tag": "BSNLSevb", "department": hashtag.department_id},
    )

    assert response.status_code == 302
    hashtag.refresh_from_db()
    assert hashtag.tag == "BSNLSevb"


def test_within_the_plan_a_new_hashtag_is_saved(ministry_admin_client):
    bsnl = Department.objects.get(code="BSNL")
    response = ministry_admin_client.post(
        reverse("admin:departments_hashtag_add"), {"tag": "BSNLHimachal", "department": bsnl.pk}
    )

    assert response.status_code == 302
    assert Hashtag.objects.filter(tag="BSNLHimachal").exists()
