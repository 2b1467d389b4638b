"""The pages that serve the whole installation (the public status page, the sign-in's own pages)
name whom the installation serves, not one of its ministries."""

import re

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

TAGLINE = re.compile(r'<span class="brand-tagline">([^<]*)</span>')


def tagline(response) -> str:
    assert response.status_code == 200
    return TAGLINE.search(response.content.decode())[1]


def installation_pages(client) -> list[str]:
    """The public status lookup, and the two-factor page (the sign-in's), as a signed-in officer."""
    client.force_login(User.objects.get(username="rail_officer"))
    return [reverse("public-status-lookup"), reverse("accounts:two-factor")]


@pytest.mark.parametrize(("language", "name"), [("en", "Government of India"), ("hi", "भारत सरकार")])
def test_the_installations_pages_name_the_government_not_one_ministry(seeded, client, language, name):
    for path in installation_pages(client):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        body = response.content.decode()
        assert tagline(response) == name, path
        assert "Ministry of Communications" not in body
        assert "संचार मंत्रालय" not in body


def test_the_name_is_the_installations_own_when_set(seeded, client, settings):
    settings.SEVA_INSTALLATION_NAME = "Government of Kerala"
    settings.SEVA_INSTALLATION_NAME_HI = "केरल सरकार"
    for path in installation_pages(client):
        assert tagline(client.get(path, HTTP_ACCEPT_LANGUAGE="en")) == "Government of Kerala"
        assert tagline(client.get(path, HTTP_ACCEPT_LANGUAGE="hi")) == "केरल सरकार"

    settings.SEVA_INSTALLATION_NAME_HI = ""  # no Hindi name: the English one
    assert tagline(client.get(reverse("public-status-lookup"), HTTP_ACCEPT_LANGUAGE="hi")) == "Government of Kerala"
