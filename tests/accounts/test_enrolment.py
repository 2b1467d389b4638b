"""Turning on two-factor sign-in at /accounts/2fa/: the secret as an otpauth URI and an inline
SVG QR code, confirmed by a first code from the app."""

import re
from base64 import b32decode
from binascii import hexlify

import pytest
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import code_now, enrol, wrong_code

pytestmark = pytest.mark.django_db


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("accounts:two-factor"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_page_shows_the_otpauth_uri_and_a_qr_code_drawn_inline(client, officer):
    client.force_login(officer)
    response = client.get(reverse("accounts:two-factor"))
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    html = response.content.decode()
    assert device.config_url.startswith("otpauth://totp/Seva%20Desk%3Atelofficer?secret=")
    assert device.config_url.replace("&", "&amp;") in html
    assert re.search(r'<div class="qr-code" role="img"[^>]*><svg [^>]*xmlns="http://www.w3.org/2000/svg"', html)
    # Nothing is fetched from elsewhere to draw it.
    assert "<img" not in html
    assert "<script" not in html
    # The key to type in by hand is the device's own.
    typed = response.context["secret"].replace(" ", "")
    assert hexlify(b32decode(typed)).decode() == device.key
    assert response["Cache-Control"].startswith("max-age=0")


def test_reloading_the_page_keeps_the_secret_already_shown(client, officer):
    client.force_login(officer)
    first = client.get(reverse("accounts:two-factor")).context["otpauth_uri"]
    second = client.get(reverse("accounts:two-factor")).context["otpauth_uri"]
    assert first == second
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_a_correct_first_code_turns_two_factor_sign_in_on(client, officer):
    client.force_login(officer)
    client.get(reverse("accounts:two-factor"))
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(reverse("accounts:two-factor"), {"code": code_now(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    # The session that proved the device counts as verified with it.
    assert client.session["otp_device_id"] == device.persistent_id
    after = client.get(response.url)
    assert after.context["enrolled"] is True
    assert "otpauth_uri" not in after.context  # the secret is never shown again


def test_a_wrong_first_code_is_refused(client, officer):
    client.force_login(officer)
    client.get(reverse("accounts:two-factor"))
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(reverse("accounts:two-factor"), {"code": wrong_code(device)})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [
        "That one-time code is wrong or has expired. Wait for the next one and try again."
    ]
    device.refresh_from_db()
    assert not device.confirmed
    assert "otp_device_id" not in client.session


def test_after_enrolling_it_goes_on_to_where_the_user_was_going(client, officer):
    client.force_login(officer)
    url = f"{reverse('accounts:two-factor')}?next=/admin/"
    client.get(url)
    response = client.post(url, {"code": code_now(TOTPDevice.objects.get(user=officer)), "next": "/admin/"})
    assert response.url == "/admin/"


def test_next_may_not_point_to_another_site(client, officer):
    client.force_login(officer)
    client.get(reverse("accounts:two-factor"))
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(reverse("accounts:two-factor"), {"code": code_now(device), "next": "https://evil.test/"})
    assert response.url == reverse("accounts:two-factor")


def test_an_enrolled_user_sees_that_it_is_on_and_no_secret(client, officer):
    enrol(officer)
    client.force_login(officer)
    response = client.get(reverse("accounts:two-factor"))
    assert response.context["enrolled"] is True
    assert b"otpauth://" not in response.content
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_the_page_is_in_hindi_for_hindi_readers(client, officer):
    client.force_login(officer)
    response = client.get(reverse("accounts:two-factor"), HTTP_ACCEPT_LANGUAGE="hi")
    with translation.override("hi"):
        heading = translation.gettext("Two-factor sign-in")
    assert heading != "Two-factor sign-in"
    assert heading in response.content.decode()
