import pytest
from django.core.management import call_command
from django.urls import reverse

from departments.models import Department, Hashtag, Membership, OfficialAccount, RoutingRule
from departments.seed import seed_demo
from tickets.models import Category, TriageRule

pytestmark = pytest.mark.django_db


def _counts():
    return tuple(
        model.objects.count()
        for model in (Department, Hashtag, Membership, OfficialAccount, RoutingRule, Category, TriageRule)
    )


def test_seed_demo_creates_the_design_configuration(seeded):
    assert set(Department.objects.filter(parent__code="MOC").values_list("code", flat=True)) == {
        "DOT",
        "BSNL",
        "MTNL",
        "POSTS",
    }
    assert Hashtag.objects.get(tag__iexact="bsnlseva").department.code == "BSNL"
    assert OfficialAccount.objects.get(handle="manojsinhabjp").is_minister
    assert Department.objects.get(code="BSNL_KL").parent.code == "BSNL"


def test_seed_demo_twice_changes_nothing(seeded, capsys):
    before = _counts()
    call_command("seed_demo")
    assert _counts() == before
    assert "already existed" in capsys.readouterr().out


def test_seed_demo_uses_the_password_from_the_environment(db, monkeypatch, client):
    monkeypatch.setenv("SEVA_DEMO_PASSWORD", "from-the-env-42")
    call_command("seed_demo")
    assert client.login(username="bsnl_officer", password="from-the-env-42")


def test_seed_is_idempotent_as_a_function(db):
    seed_demo(password="x-pass-1")
    before = _counts()
    seed_demo(password="x-pass-1")
    assert _counts() == before


def test_issue_token_prints_a_token_that_authenticates(seeded, capsys, api_client):
    call_command("issue_token", "bsnl_officer")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get(reverse("department-list"))
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == {"BSNL", "BSNL_KL", "BSNL_MH", "BSNL_UP"}


def test_department_list_needs_authentication(db, api_client):
    response = api_client.get(reverse("department-list"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_department_list_is_paginated_with_a_cursor(seeded, client_for):
    from accounts.models import User

    client = client_for(User.objects.get(username="auditor"))
    first = client.get(reverse("department-list"), {"page_size": 4}).json()
    assert set(first) == {"next", "previous", "results"}
    assert len(first["results"]) == 4
    second = client.get(first["next"]).json()
    codes = [row["code"] for row in first["results"] + second["results"]]
    assert len(codes) == len(set(codes))
    assert first["results"][0] == {
        "code": "BSNL",
        "name_en": "Bharat Sanchar Nigam Ltd",
        "name_hi": "भारत संचार निगम लिमिटेड",
        "parent": "MOC",
        "is_unit": False,
        "ticket_prefix": "",
    }


def test_the_demo_hands_posts_tickets_out_and_leaves_bsnl_to_claim(seeded):
    from tests.factories.tickets import TicketFactory
    from tickets.services.assignment import tickets_auto_assign

    posts = TicketFactory(department=Department.objects.get(code="POSTS"))
    bsnl = TicketFactory(department=Department.objects.get(code="BSNL"))
    assert tickets_auto_assign() == 1
    posts.refresh_from_db()
    bsnl.refresh_from_db()
    assert posts.assigned_to.username == "posts_officer"
    assert bsnl.assigned_to is None
