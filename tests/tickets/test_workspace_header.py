"""The workspace header: the ministries the user works for, and the dashboard and reports only for
those whose they are."""

import pytest
from django.urls import reverse

from tests.tickets.test_workspace import signed_in

pytestmark = pytest.mark.django_db


def header_of(client, path: str = "workspace:queue", language: str = "en") -> str:
    html = client.get(reverse(path), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    return html[html.index("<header") : html.index("</header>")]


def test_an_officer_is_not_offered_the_dashboard_or_the_reports(client, seeded):
    header = header_of(signed_in(client, "bsnl_officer"))

    assert reverse("workspace:dashboard") not in header
    assert reverse("workspace:reports") not in header
    assert client.get(reverse("workspace:dashboard")).status_code == 403  # what the link would have led to


@pytest.mark.parametrize("username", ["bsnl_supervisor", "auditor", "rail_admin"])
def test_supervisors_admins_and_auditors_are(client, seeded, username):
    header = header_of(signed_in(client, username))

    assert reverse("workspace:dashboard") in header
    assert reverse("workspace:reports") in header


def test_the_header_names_the_users_own_ministry(client, seeded):
    assert "Staff workspace · Ministry of Railways" in header_of(signed_in(client, "rail_officer"))
    assert "Ministry of Communications" not in header_of(client)
    assert "रेल मंत्रालय" in header_of(client, language="hi")

    assert "Staff workspace · Ministry of Communications" in header_of(signed_in(client, "bsnl_officer"))
