"""The fake X API's OAuth 2.0 server: PKCE is checked, codes and refresh tokens work once, access
tokens expire, and the tokens it issued post as their user."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from devtools.fake_x import FakeXApi
from ingestion.credentials.oauth import pkce_challenge

VERIFIER = "a-verifier-of-enough-length-for-rfc-7636-" + "x" * 10
REDIRECT = "http://testserver/callback/"


@pytest.fixture
def fake():
    clock = [1_000_000.0]
    with FakeXApi(clock=lambda: clock[0], oauth_token_lifetime=60) as fake:
        fake.clock = clock
        fake.oauth.signed_in_as = "BSNLCorporate"
        yield fake


def authorize(fake, **overrides) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": "app",
        "redirect_uri": REDIRECT,
        "scope": "tweet.read tweet.write users.read offline.access",
        "state": "st4te",
        "code_challenge": pkce_challenge(VERIFIER),
        "code_challenge_method": "S256",
    }
    return httpx.get(f"{fake.base_url}/i/oauth2/authorize", params={**params, **overrides})


def code_of(response: httpx.Response) -> str:
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["st4te"]
    return query["code"][0]


def token(fake, **form) -> httpx.Response:
    return httpx.post(f"{fake.base_url}/2/oauth2/token", data={"client_id": "app", **form})


def exchange(fake, code: str, verifier: str = VERIFIER) -> httpx.Response:
    return token(fake, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier)


def test_a_code_exchanged_with_its_verifier_gives_tokens_that_post_as_the_account(fake):
    body = exchange(fake, code_of(authorize(fake))).json()

    posted = httpx.post(
        f"{fake.base_url}/2/tweets",
        json={"text": "hello"},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )

    assert (body["token_type"], body["expires_in"]) == ("bearer", 60)
    assert body["refresh_token"]
    assert posted.status_code == 201
    assert fake.posted[0].account == "BSNLCorporate"


def test_a_wrong_verifier_or_a_second_use_of_the_code_is_refused(fake):
    code = code_of(authorize(fake))

    wrong = exchange(fake, code, verifier="another-verifier-" + "y" * 40)
    again = exchange(fake, code)

    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_a_plain_challenge_is_refused(fake):
    assert authorize(fake, code_challenge_method="plain").status_code == 400


def test_a_refresh_token_works_once_and_an_expired_access_token_is_refused(fake):
    first = exchange(fake, code_of(authorize(fake))).json()
    fake.clock[0] += 61

    expired = httpx.get(f"{fake.base_url}/2/users/me", headers={"Authorization": f"Bearer {first['access_token']}"})
    renewed = token(fake, grant_type="refresh_token", refresh_token=first["refresh_token"])
    spent = token(fake, grant_type="refresh_token", refresh_token=first["refresh_token"])

    assert expired.status_code == 401
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != first["refresh_token"]
    assert (spent.status_code, spent.json()["error"]) == (400, "invalid_grant")


def test_with_nobody_signed_in_the_authorize_page_asks_for_the_account(fake):
    fake.oauth.signed_in_as = None

    page = authorize(fake)
    approved = authorize(fake, username="RailMinIndia")

    assert page.status_code == 200
    assert 'name="username"' in page.text
    assert approved.status_code == 302
    body = exchange(fake, code_of(approved)).json()
    assert fake.oauth.account_for(body["access_token"]) == "RailMinIndia"
