"""Dead letters belong to the department they route to (a minister's letter to the minister's
ministry); those that route nowhere may be any ministry's, so only superusers see them.

Every door (API list, detail, replay; the admin) shows a user the same ones.
"""

import orjson
import pytest
from django.urls import reverse

from departments.models import Department, Role
from ingestion.models import DeadLetter
from tests.factories import member
from tests.ingestion.factories import BSNL, POSTS, tweet_id_of, v2_tweet

# Each is JSON with a tweet text, but no tweet X sends (no id): a dead letter whose text still routes.
BSNL_LETTER = {"data": [{"text": "@BSNLCorporate no dial tone since Monday #BSNLSeva"}]}
POSTS_LETTER = {"data": [{"text": "@PostOfficeIndia my parcel is lost"}]}  # by mention alone
MINISTER_ONLY_LETTER = {"data": [{"text": "@manojsinhabjp nobody answers"}]}  # the minister names the ministry
RAIL_MINISTER_LETTER = {"data": [{"text": "@RailMinIndia train 12 hours late"}]}
# Unreadable as a whole (the events are no list), with texts naming two departments: neither's.
TWO_DEPARTMENTS_LETTER = {
    "for_user_id": "1000001",
    "tweet_create_events": {"a": {"text": "no signal #BSNLSeva"}, "b": {"text": "parcel lost #PostalSeva"}},
}
NOT_JSON = "this is not json #BSNLSeva"


@pytest.fixture
def letters(ingest_lines):
    ingest_lines(
        BSNL_LETTER, POSTS_LETTER, MINISTER_ONLY_LETTER, RAIL_MINISTER_LETTER, TWO_DEPARTMENTS_LETTER, NOT_JSON
    )
    by_text = {}
    for letter in DeadLetter.objects.all():
        for name, raw in (
            ("bsnl", "dial tone"),
            ("posts", "parcel is lost"),
            ("minister", "nobody answers"),
            ("rail", "12 hours late"),
        ):
            if raw in letter.raw:
                by_text[name] = letter
        if "#PostalSeva" in letter.raw and "#BSNLSeva" in letter.raw:
            by_text["two"] = letter
        if letter.raw.startswith("this is not json"):
            by_text["not_json"] = letter
    assert len(by_text) == 6, by_text
    return by_text


def department(code: str) -> Department:
    return Department.objects.get(code=code)


def test_dead_letters_are_filed_under_the_department_they_route_to(letters):
    assert letters["bsnl"].department.code == "BSNL"
    assert letters["posts"].department.code == "POSTS"
    assert letters["minister"].department.code == "MOC"
    assert letters["rail"].department.code == "RAIL"
    assert letters["two"].department is None
    assert letters["not_json"].department is None


def listed(client) -> set[int]:
    response = client.get(reverse("dead-letter-list"))
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_a_posts_supervisor_sees_only_posts_dead_letters(letters, client_for):
    client = client_for(member(department=department("POSTS"), role=Role.SUPERVISOR))

    assert listed(client) == {letters["posts"].id}
    assert client.get(reverse("dead-letter-detail", args=[letters["posts"].id])).status_code == 200
    for other in ("bsnl", "minister", "rail", "not_json"):
        assert client.get(reverse("dead-letter-detail", args=[letters[other].id])).status_code == 404
        assert client.post(reverse("dead-letter-replay", args=[letters[other].id])).status_code == 404
    letters["bsnl"].refresh_from_db()
    assert letters["bsnl"].replay_result == ""


def test_an_unroutable_dead_letter_is_for_superusers_only(letters, client_for):
    unroutable = {letters["two"].id, letters["not_json"].id}
    everything = {letter.id for letter in letters.values()}
    railways = {letters["rail"].id}
    moc = department("MOC")
    ministry_admin = client_for(member(department=moc, role=Role.DEPARTMENT_ADMIN))
    superuser = client_for(member(department=department("BSNL"), role=Role.SUPERVISOR, is_superuser=True))
    ministry_supervisor = client_for(member(department=moc, role=Role.SUPERVISOR))
    bsnl_admin = client_for(member(department=department("BSNL"), role=Role.DEPARTMENT_ADMIN))
    rail_admin = client_for(member(department=department("RAIL"), role=Role.DEPARTMENT_ADMIN))

    # A ministry's admin and supervisor have all their ministry's, the minister's included, and
    # neither another ministry's nor what routes to none (its text may be anyone's).
    assert listed(ministry_admin) == everything - unroutable - railways
    assert listed(ministry_supervisor) == everything - unroutable - railways
    assert listed(rail_admin) == railways
    assert listed(superuser) == everything
    assert listed(bsnl_admin) == {letters["bsnl"].id}
    assert ministry_admin.get(reverse("dead-letter-detail", args=[letters["not_json"].id])).status_code == 404
    assert ministry_admin.get(reverse("dead-letter-detail", args=[letters["rail"].id])).status_code == 404
    assert rail_admin.get(reverse("dead-letter-detail", args=[letters["minister"].id])).status_code == 404
    assert superuser.get(reverse("dead-letter-detail", args=[letters["not_json"].id])).status_code == 200


def test_officers_get_no_dead_letters_at_all(letters, client_for):
    client = client_for(member(department=department("BSNL"), role=Role.OFFICER))
    assert client.get(reverse("dead-letter-list")).status_code == 403
    assert client.get(reverse("dead-letter-detail", args=[letters["bsnl"].id])).status_code == 403


def test_a_supervisor_replays_their_own_departments_dead_letter(letters, client_for):
    client = client_for(member(department=department("BSNL"), role=Role.SUPERVISOR))

    response = client.post(reverse("dead-letter-replay", args=[letters["bsnl"].id]))

    assert response.status_code == 200
    assert response.json()["replay_result"].startswith("still failing")


def test_the_admin_shows_a_department_admin_only_their_departments_dead_letters(letters, client):
    client.force_login(member(department=department("POSTS"), role=Role.DEPARTMENT_ADMIN))

    changelist = client.get(reverse("admin:ingestion_deadletter_changelist"))
    own = client.get(reverse("admin:ingestion_deadletter_change", args=[letters["posts"].id]))
    other = client.get(reverse("admin:ingestion_deadletter_change", args=[letters["bsnl"].id]))
    unroutable = client.get(reverse("admin:ingestion_deadletter_change", args=[letters["not_json"].id]))

    assert changelist.status_code == 200
    assert {letter.id for letter in changelist.context["cl"].result_list} == {letters["posts"].id}
    assert own.status_code == 200
    # The admin answers an object outside the queryset with a redirect to its index ("doesn't exist").
    assert (other.status_code, other.url) == (302, reverse("admin:index"))
    assert (unroutable.status_code, unroutable.url) == (302, reverse("admin:index"))
    assert "dial tone" not in changelist.content.decode()


def test_the_admin_shows_a_ministry_admin_their_ministrys_dead_letters(letters, client):
    client.force_login(member(department=department("MOC"), role=Role.DEPARTMENT_ADMIN))

    changelist = client.get(reverse("admin:ingestion_deadletter_changelist"))
    railways = client.get(reverse("admin:ingestion_deadletter_change", args=[letters["rail"].id]))

    shown = {letter.id for letter in changelist.context["cl"].result_list}
    assert shown == {letters[name].id for name in ("bsnl", "posts", "minister")}
    assert (railways.status_code, railways.url) == (302, reverse("admin:index"))


def test_a_refused_edit_is_the_dead_letter_of_the_ticket_it_tried_to_rewrite(ingest_lines, client_for):
    original = v2_tweet("@PostOfficeIndia my parcel is lost", mentions=[POSTS])
    forged = v2_tweet("@BSNLCorporate all fine #BSNLSeva", author=("mallory", "3000000666"), mentions=[BSNL])
    forged["data"][0]["edit_history_tweet_ids"] = [tweet_id_of(original), tweet_id_of(forged)]
    ingest_lines(original)
    ingest_lines(forged)

    letter = DeadLetter.objects.get()
    assert letter.department.code == "POSTS"
    assert orjson.loads(letter.raw)["tweet"]["id"] == tweet_id_of(forged)
    posts = client_for(member(department=department("POSTS"), role=Role.SUPERVISOR))
    bsnl = client_for(member(department=department("BSNL"), role=Role.SUPERVISOR))
    assert listed(posts) == {letter.id}
    assert listed(bsnl) == set()
