"""Staff members' language: chosen with the switch, remembered for their next sign-in."""

import pytest
from django.conf import settings

from accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"  # the seeded demo password (tests/conftest.py `seeded`)


def test_switching_language_while_signed_in_is_remembered(seeded, client):
    client.force_login(User.objects.get(username="bsnl_officer"))
    response = client.post("/i18n/setlang/", {"language": "hi", "next": "/desk/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hi"
    assert User.objects.get(username="bsnl_officer").preferred_language == "hi"


def test_the_saved_language_applies_at_the_next_sign_in(seeded, client):
    User.objects.filter(username="bsnl_officer").update(preferred_language="hi")
    response = client.post("/desk/login/", {"username": "bsnl_officer", "password": PASSWORD})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hi"
    assert "कतार" in client.get("/desk/").content.decode()  # "Queue"


def test_a_language_picked_on_the_sign_in_page_wins_and_is_remembered(seeded, client):
    client.post("/i18n/setlang/", {"language": "hi", "next": "/desk/login/"})
    client.post("/desk/login/", {"username": "bsnl_officer", "password": PASSWORD})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hi"
    assert User.objects.get(username="bsnl_officer").preferred_language == "hi"


def test_an_unknown_language_is_not_saved(seeded, client):
    client.force_login(User.objects.get(username="bsnl_officer"))
    client.post("/i18n/setlang/", {"language": "xx", "next": "/desk/"})
    assert User.objects.get(username="bsnl_officer").preferred_language == "en"
