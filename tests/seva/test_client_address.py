"""The client's address behind NUM_PROXIES proxies: one reading for the lockout, the throttles and
the audit events."""

import pytest
from django.test import RequestFactory
from rest_framework.request import Request

from seva.api.throttling import AnonRateThrottle
from seva.client_address import client_address

PROXY = "10.0.0.2"


def request_from(forwarded: str | None = None, remote: str = PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_only_the_socket_counts(settings):
    settings.NUM_PROXIES = 0
    assert client_address(request_from("203.0.113.5")) == PROXY


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.5", "203.0.113.5"),
        # What the client wrote itself, left of what our proxy appended, is ignored.
        ("1.1.1.1, 203.0.113.5", "203.0.113.5"),
        ("<script>, ' OR 1=1, 203.0.113.5", "203.0.113.5"),
        ("  203.0.113.5  ", "203.0.113.5"),
        ("203.0.113.5:51234", "203.0.113.5"),
        ("[2001:db8::0001]:443", "2001:db8::1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        # Not an address where our proxy writes one: the proxy's own address, never the text.
        ("203.0.113.5, garbage", PROXY),
        ("203.0.113.5, ", PROXY),
    ],
)
def test_behind_one_proxy_the_entry_it_appended_is_the_client(settings, forwarded, expected):
    settings.NUM_PROXIES = 1
    assert client_address(request_from(forwarded)) == expected


def test_behind_two_proxies_the_second_entry_from_the_right(settings):
    settings.NUM_PROXIES = 2
    assert client_address(request_from("6.6.6.6, 203.0.113.5, 10.0.0.1")) == "203.0.113.5"


def test_no_forwarded_header_is_the_socket(settings):
    settings.NUM_PROXIES = 1
    assert client_address(request_from(None, remote="198.51.100.7")) == "198.51.100.7"
    assert client_address(None) is None


def test_the_api_throttles_count_the_same_client(settings):
    settings.NUM_PROXIES = 1
    request = request_from("6.6.6.6, 203.0.113.5")
    assert AnonRateThrottle().get_ident(Request(request)) == client_address(request) == "203.0.113.5"


def test_django_axes_reads_the_same_client(settings):
    from axes.helpers import get_client_ip_address

    settings.NUM_PROXIES = 1
    assert get_client_ip_address(request_from("6.6.6.6, 203.0.113.5")) == "203.0.113.5"
