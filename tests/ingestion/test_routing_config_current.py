"""Each batch routes by the configuration the database has now; it is built again only when
something routing reads has changed (ingestion.routing.routing_config_current)."""

import pytest

from departments.models import Department, Hashtag, OfficialAccount
from ingestion.routing import routing_config_current
from tests.ingestion.factories import v2_tweet
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_an_unchanged_configuration_is_built_once(seeded):
    assert routing_config_current() is routing_config_current()


@pytest.mark.parametrize(
    "change",
    [
        lambda: Hashtag.objects.create(tag="PunePostSeva", department=Department.objects.get(code="POSTS")),
        lambda: Department.objects.filter(code="BSNL").update(name_en="BSNL (renamed)"),
        lambda: OfficialAccount.objects.filter(handle__iexact="BSNLCorporate").update(is_minister=True),
    ],
    ids=["new hashtag", "department renamed", "account made a minister's"],
)
def test_a_change_to_what_routing_reads_builds_it_again(seeded, change):
    before = routing_config_current()
    change()
    assert routing_config_current() is not before


def test_a_hashtag_added_between_batches_routes_the_next_batch(seeded, ingest_lines):
    ingest_lines(v2_tweet("letter never delivered #PunePostSeva"))
    assert Ticket.objects.get().department.code != "POSTS"

    Hashtag.objects.create(tag="PunePostSeva", department=Department.objects.get(code="POSTS"))
    ingest_lines(v2_tweet("parcel lost #PunePostSeva", author=("citizen_two", "3000000002")))
    assert Ticket.objects.order_by("id").last().department.code == "POSTS"
