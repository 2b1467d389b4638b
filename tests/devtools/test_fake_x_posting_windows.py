"""The fake X API's posting limits, as X sends them: each account's 15-minute window, the app's 24-hour one."""

import httpx
import pytest

from devtools.fake_x import Endpoint, FakeXApi


class Clock:
    """The fake's time, moved by the test (no sleeping)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def fake_with(clock: Clock, *, per_account: int = 2, per_app: int = 10) -> FakeXApi:
    return FakeXApi(rate_limits={Endpoint.POST: per_account}, app_post_limit=per_app, clock=clock)


def post_as(http: httpx.Client, handle: str, text: str) -> httpx.Response:
    return http.post("/2/tweets", json={"text": text}, headers={"Authorization": f"Bearer fake-user-token-{handle}"})


def window(response: httpx.Response, prefix: str = "x-rate-limit") -> tuple[int, int, int]:
    return tuple(int(response.headers[f"{prefix}-{name}"]) for name in ("limit", "remaining", "reset"))


def test_a_post_carries_the_accounts_15_minute_window_and_the_apps_24_hour_one(clock):
    with fake_with(clock) as fake, httpx.Client(base_url=fake.base_url) as http:
        response = post_as(http, "BSNLCorporate", "one")

    assert response.status_code == 201
    assert window(response) == (2, 1, int(clock.now) + 900)
    assert window(response, "x-app-limit-24hour") == (10, 9, int(clock.now) + 86_400)


def test_each_account_has_its_own_window(clock):
    with fake_with(clock) as fake, httpx.Client(base_url=fake.base_url) as http:
        answers = [post_as(http, "BSNLCorporate", text).status_code for text in ("one", "two", "three")]
        other = post_as(http, "IndiaPostOffice", "one")

    assert answers == [201, 201, 429]
    assert other.status_code == 201
    assert window(other)[1] == 1


def test_a_spent_account_window_answers_429_with_its_reset_and_nothing_is_posted(clock):
    with fake_with(clock, per_account=1) as fake, httpx.Client(base_url=fake.base_url) as http:
        post_as(http, "BSNLCorporate", "one")
        refused = post_as(http, "BSNLCorporate", "two")
        posted = [post.text for post in fake.posted]

    assert refused.status_code == 429
    assert refused.json()["title"] == "Too Many Requests"
    assert window(refused) == (1, 0, int(clock.now) + 900)
    assert posted == ["one"]


def test_the_account_window_is_full_again_after_its_reset(clock):
    with fake_with(clock, per_account=1) as fake, httpx.Client(base_url=fake.base_url) as http:
        post_as(http, "BSNLCorporate", "one")
        clock.now += 900
        again = post_as(http, "BSNLCorporate", "two")

    assert again.status_code == 201
    assert window(again) == (1, 0, int(clock.now) + 900)


def test_the_app_window_is_shared_by_every_account_and_lasts_24_hours(clock):
    with fake_with(clock, per_account=5, per_app=2) as fake, httpx.Client(base_url=fake.base_url) as http:
        post_as(http, "BSNLCorporate", "one")
        post_as(http, "IndiaPostOffice", "one")
        refused = post_as(http, "DoT_India", "one")
        clock.now += 900
        still_refused = post_as(http, "DoT_India", "two")
        clock.now += 86_400
        accepted = post_as(http, "DoT_India", "three")

    assert (refused.status_code, still_refused.status_code, accepted.status_code) == (429, 429, 201)
    assert window(refused, "x-app-limit-24hour")[1] == 0
    # The account's own window was not what ran out: it still has posts left.
    assert window(refused)[1] == 5
    assert window(accepted, "x-app-limit-24hour")[1] == 1
