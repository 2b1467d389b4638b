"""Two ministries side by side (the seed's Communications and Railways): each root is a ministry
whose triage queue is the root itself, and a tweet's keywords and places route only within the
ministry it was addressed to."""

import pytest

from departments.models import Department, OfficialAccount, RoutingRule
from ingestion.routing import RoutingConfig
from tests.ingestion.factories import BSNL, CENTRAL_RAILWAY, MINISTER, RAIL_MINISTER, ticket_for, v2_tweet

pytestmark = pytest.mark.django_db


def test_a_tweet_mentioning_only_the_railways_minister_lands_in_the_railways_triage(ingest_lines):
    page = v2_tweet("@RailMinIndia nobody listens, sir", mentions=[RAIL_MINISTER])
    ingest_lines(page)
    ticket = ticket_for(page)
    assert (ticket.department.code, ticket.number[:5]) == ("RAIL", "RAIL-")
    assert ticket.messages.get(kind="ack").from_account.handle == "RailMinIndia"


def test_the_communications_minister_still_routes_to_its_own_triage(ingest_lines):
    page = v2_tweet("@manojsinhabjp Good initiative sir", mentions=[MINISTER])
    ingest_lines(page)
    assert ticket_for(page).department.code == "MOC"


def test_another_ministrys_keywords_do_not_route_a_tweet_to_the_railways_minister(ingest_lines):
    # "bsnl" is Communications' keyword: a complaint addressed to Railways stays there.
    page = v2_tweet("@RailMinIndia bsnl broadband down in the waiting room", mentions=[RAIL_MINISTER])
    ingest_lines(page)
    assert ticket_for(page).department.code == "RAIL"


def test_a_ministers_tweet_is_routed_by_its_own_ministrys_places(ingest_lines):
    # Mumbai is an MTNL unit and a Central Railway division: the Railways minister's tweet names the division.
    page = v2_tweet("@RailMinIndia train 4 hours late at Mumbai", mentions=[RAIL_MINISTER])
    ingest_lines(page)
    ticket = ticket_for(page)
    assert (ticket.department.code, ticket.unit.code) == ("CR", "CR_BB")

    telecom = v2_tweet("@manojsinhabjp no landline in Mumbai mtnl", mentions=[MINISTER])
    ingest_lines(telecom)
    ticket = ticket_for(telecom)
    assert (ticket.department.code, ticket.unit.code) == ("MTNL", "MTNL_MB")


def test_a_railway_hashtag_routes_to_its_department_and_place(ingest_lines):
    page = v2_tweet("Coach B2 dirty since Pune #CRSeva")
    ingest_lines(page)
    ticket = ticket_for(page)
    assert (ticket.department.code, ticket.unit.code) == ("CR", "CR_PUNE")


def test_a_railway_ticket_is_answered_from_a_railway_account_only(ingest_lines):
    # The citizen summoned a telecom account too; Railways' staff answer from Railways' own.
    page = v2_tweet("@BSNLCorporate @Central_Railway no water in coach #CRSeva", mentions=[BSNL, CENTRAL_RAILWAY])
    ingest_lines(page)
    assert ticket_for(page).messages.get(kind="ack").from_account.handle == "Central_Railway"

    railway_hashtag_only = v2_tweet("@BSNLCorporate train late #RailSeva", mentions=[BSNL])
    ingest_lines(railway_hashtag_only)
    ticket = ticket_for(railway_hashtag_only)
    assert ticket.department.code == "RSEVA"
    assert ticket.needs_manual_reply


def test_a_tweet_naming_no_ministry_falls_back_to_the_best_rule_of_any_then_the_oldest_ministry(ingest_lines):
    by_rule = v2_tweet("my PNR shows waitlisted after charting")
    nothing = v2_tweet("hello is anyone there")
    ingest_lines(by_rule, nothing)
    assert ticket_for(by_rule).department.code == "RSEVA"
    oldest = Department.objects.filter(parent__isnull=True).order_by("id").first()
    assert ticket_for(nothing).department == oldest


def test_a_second_minister_account_of_a_ministry_routes_to_the_same_triage(ingest_lines):
    rail = Department.objects.get(code="RAIL")
    OfficialAccount.objects.create(handle="MoS_Railways", x_user_id="1100099", department=rail, is_minister=True)
    page = v2_tweet("@MoS_Railways please help", mentions=[("MoS_Railways", "1100099")])
    ingest_lines(page)
    assert ticket_for(page).department.code == "RAIL"


def test_routing_reads_its_configuration_in_a_fixed_number_of_queries(seeded, django_assert_num_queries):
    with django_assert_num_queries(4):
        RoutingConfig()
    # More rules in a third ministry cost no more queries.
    third = Department.objects.create(code="MEA", name_en="Ministry of External Affairs")
    RoutingRule.objects.create(kind="keyword", pattern="passport", department=third)
    with django_assert_num_queries(4):
        config = RoutingConfig()
    assert config.triage_for(third.pk) == third.pk
