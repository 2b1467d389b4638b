"""Routing, threading, edits, retweets, official accounts and reopening, as DESIGN.md says."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from departments.models import Department, RoutingRule
from ingestion.models import DeadLetter, InboxTweet
from tests.ingestion.factories import BSNL, MINISTER, POSTS, next_id, ticket_for, tweet_id_of, v2_tweet
from tickets.lifecycle import Status
from tickets.models import Ticket, TicketMessage
from tickets.selectors import ticket_filter_tweet

pytestmark = pytest.mark.django_db


def test_first_department_hashtag_wins_case_insensitively(ingest_lines):
    page = v2_tweet("No signal for days #bsnlseva and my parcel too #PostalSeva")
    ingest_lines(page)
    assert ticket_for(page).department.code == "BSNL"


def test_hashtag_beats_a_mention_of_another_department(ingest_lines):
    page = v2_tweet("@BSNLCorporate my speed post is lost #PostalSeva", mentions=[BSNL])
    ingest_lines(page)
    assert ticket_for(page).department.code == "POSTS"


def test_mention_of_a_department_account_routes_there(ingest_lines):
    page = v2_tweet("@manojsinhabjp @PostOfficeIndia parcel missing", mentions=[MINISTER, POSTS])
    ingest_lines(page)
    assert ticket_for(page).department.code == "POSTS"


def test_place_rule_names_the_unit_under_the_hashtags_department(ingest_lines):
    page = v2_tweet("FTTH down in Kochi for a week #BSNLSeva")
    ingest_lines(page)
    ticket = ticket_for(page)
    assert (ticket.department.code, ticket.unit.code) == ("BSNL", "BSNL_KL")


def test_keyword_rule_routes_when_there_is_no_hashtag_or_department_mention(ingest_lines):
    page = v2_tweet("@manojsinhabjp my money order never arrived", mentions=[MINISTER])
    ingest_lines(page)
    assert ticket_for(page).department.code == "POSTS"


def test_rule_order_decides_between_rules(ingest_lines):
    posts = Department.objects.get(code="POSTS")
    RoutingRule.objects.create(kind="keyword", pattern="urgent", department=posts, priority=1)
    page = v2_tweet("urgent: mtnl landline dead")
    ingest_lines(page)
    assert ticket_for(page).department.code == "POSTS"


def test_nothing_to_route_by_goes_to_triage(ingest_lines):
    page = v2_tweet("@manojsinhabjp Good initiative sir", mentions=[MINISTER])
    ingest_lines(page)
    assert ticket_for(page).department.code == "MOC"


def test_retweets_are_not_tickets(ingest_lines):
    original = v2_tweet("#BSNLSeva down again")
    retweet = v2_tweet(
        "RT @citizen_one: #BSNLSeva down again",
        retweet_of=tweet_id_of(original),
        author=("someone_else", "3000000002"),
    )
    summary = ingest_lines(retweet)
    assert Ticket.objects.count() == 0
    assert summary.ignored == 1


def test_an_official_accounts_tweet_outside_a_ticket_is_ignored(ingest_lines):
    ingest_lines(v2_tweet("Announcing new 5G towers #BSNLSeva", author=BSNL))
    assert Ticket.objects.count() == 0


def test_an_official_reply_in_a_tickets_thread_is_recorded_as_the_departments_reply(ingest_lines):
    complaint = v2_tweet("@BSNLCorporate no signal #BSNLSeva", mentions=[BSNL])
    ingest_lines(complaint)
    reply = v2_tweet(
        "@citizen_one Sorry, we are on it",
        author=BSNL,
        conversation_id=tweet_id_of(complaint),
        reply_to=tweet_id_of(complaint),
        minutes=5,
    )
    ingest_lines(reply)
    ticket = ticket_for(complaint)
    message = TicketMessage.objects.get(tweet_id=int(tweet_id_of(reply)))
    assert (message.ticket, message.direction, message.kind) == (ticket, "out", "official")
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None


def test_a_follow_up_by_the_same_citizen_joins_the_open_ticket(ingest_lines):
    complaint = v2_tweet("#BSNLSeva no signal")
    follow_up = v2_tweet(
        "still nothing", conversation_id=tweet_id_of(complaint), reply_to=tweet_id_of(complaint), minutes=30
    )
    ingest_lines(complaint, follow_up)
    assert ticket_for(follow_up) == ticket_for(complaint)
    assert Ticket.objects.count() == 1


def test_another_citizen_in_the_thread_gets_their_own_ticket(ingest_lines):
    complaint = v2_tweet("#BSNLSeva no signal")
    other = v2_tweet(
        "#BSNLSeva same here",
        author=("neighbour", "3000000009"),
        conversation_id=tweet_id_of(complaint),
        reply_to=tweet_id_of(complaint),
    )
    ingest_lines(complaint, other)
    assert ticket_for(other) != ticket_for(complaint)


def test_v1_reply_chain_threads_without_a_conversation_id(ingest_lines):
    complaint = v2_tweet("#PostalSeva parcel lost", author=("citizen_two", "3000000003"))
    reply_id = next_id()
    aaa = {
        "for_user_id": "1000005",
        "tweet_create_events": [
            {
                "created_at": "Fri Nov 20 05:00:00 +0000 2026",
                "id": int(reply_id),
                "id_str": reply_id,
                "text": "any update?",
                "in_reply_to_status_id_str": tweet_id_of(complaint),
                "user": {"id_str": "3000000003", "screen_name": "citizen_two"},
                "entities": {"hashtags": [], "user_mentions": [], "urls": []},
                "lang": "en",
            }
        ],
    }
    ingest_lines(complaint, aaa)
    assert TicketMessage.objects.get(tweet_id=int(reply_id)).ticket == ticket_for(complaint)


def _resolve(ticket: Ticket, *, at) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED, resolved_at=at)


def test_citizen_tweet_within_seven_days_of_resolution_reopens(ingest_lines):
    complaint = v2_tweet("#BSNLSeva no signal")
    ingest_lines(complaint)
    ticket = ticket_for(complaint)
    _resolve(ticket, at=ticket.tweeted_at + timedelta(hours=1))
    again = v2_tweet(
        "it broke again", conversation_id=tweet_id_of(complaint), reply_to=tweet_id_of(complaint), minutes=60 * 24 * 3
    )
    ingest_lines(again)
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED
    assert ticket_for(again) == ticket
    assert ticket.events.filter(kind="reopened").count() == 1


def test_citizen_tweet_after_seven_days_opens_a_new_linked_ticket(ingest_lines):
    complaint = v2_tweet("#BSNLSeva no signal")
    ingest_lines(complaint)
    ticket = ticket_for(complaint)
    _resolve(ticket, at=ticket.tweeted_at + timedelta(hours=1))
    later = v2_tweet(
        "broken again", conversation_id=tweet_id_of(complaint), reply_to=tweet_id_of(complaint), minutes=60 * 24 * 9
    )
    ingest_lines(later)
    new_ticket = ticket_for(later)
    assert new_ticket != ticket
    assert new_ticket.follows_ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_an_edit_updates_the_message_and_is_found_by_either_id(ingest_lines):
    original = v2_tweet("#BSNLSeva no sgnal in Pune")
    first_id = tweet_id_of(original)
    edited = v2_tweet("#BSNLSeva no signal in Pune since Monday", edit_history=[first_id, "PLACEHOLDER"], minutes=3)
    edited["data"][0]["edit_history_tweet_ids"][1] = tweet_id_of(edited)
    ingest_lines(original)
    ingest_lines(edited)
    assert Ticket.objects.count() == 1
    message = TicketMessage.objects.get(tweet_id=int(tweet_id_of(edited)))
    assert message.text == "#BSNLSeva no signal in Pune since Monday"
    assert message.previous_tweet_ids == [int(first_id)]
    assert message.ticket.events.filter(kind="edited").count() == 1
    for tweet_id in (first_id, tweet_id_of(edited)):
        assert list(ticket_filter_tweet(Ticket.objects.all(), int(tweet_id))) == [message.ticket], tweet_id


def test_an_edit_arriving_before_its_original_makes_one_ticket(ingest_lines):
    original = v2_tweet("#BSNLSeva typo")
    edited = v2_tweet("#BSNLSeva fixed", minutes=2)
    edited["data"][0]["edit_history_tweet_ids"] = [tweet_id_of(original), tweet_id_of(edited)]
    ingest_lines(edited)
    ingest_lines(original)
    assert Ticket.objects.count() == 1
    assert TicketMessage.objects.get(tweet_id=int(tweet_id_of(edited))).text == "#BSNLSeva fixed"


def test_edit_in_the_same_batch_as_its_original(ingest_lines):
    original = v2_tweet("#BSNLSeva typo")
    edited = v2_tweet("#BSNLSeva fixed", minutes=2)
    edited["data"][0]["edit_history_tweet_ids"] = [tweet_id_of(original), tweet_id_of(edited)]
    ingest_lines(original, edited)
    assert Ticket.objects.count() == 1
    assert TicketMessage.objects.get(tweet_id=int(tweet_id_of(edited))).previous_tweet_ids == [
        int(tweet_id_of(original))
    ]


def edit_of(original: dict, text: str, *, minutes: int, author: tuple[str, str] = ("citizen_one", "3000000001")):
    """A newer version of `original` (X's edit_history_tweet_ids: every version, oldest first)."""
    earlier = original["data"][0]["edit_history_tweet_ids"]
    page = v2_tweet(text, author=author, minutes=minutes, conversation_id=original["data"][0]["conversation_id"])
    page["data"][0]["edit_history_tweet_ids"] = [*earlier, tweet_id_of(page)]
    return page


@pytest.mark.parametrize("same_batch", [False, True])
def test_an_edit_from_another_author_leaves_the_message_as_it_was_and_is_a_dead_letter(ingest_lines, same_batch):
    original = v2_tweet("#BSNLSeva no signal in Pune since Monday")
    forged = edit_of(original, "#BSNLSeva all fixed, close it", minutes=3, author=("mallory", "3000000666"))
    if same_batch:
        ingest_lines(original, forged)
    else:
        ingest_lines(original)
        ingest_lines(forged)
    ingest_lines(forged)  # delivered again: still one dead letter

    message = TicketMessage.objects.get(tweet_id=int(tweet_id_of(original)))
    assert message.text == "#BSNLSeva no signal in Pune since Monday"
    assert message.previous_tweet_ids == []
    assert not TicketMessage.objects.filter(tweet_id=int(tweet_id_of(forged))).exists()
    assert not message.ticket.events.filter(kind="edited").exists()
    letter = DeadLetter.objects.get()
    assert letter.tweet_id == tweet_id_of(forged)
    assert "edit refused" in letter.reason
    assert "another author" in letter.reason
    assert tweet_id_of(original) in letter.reason
    assert InboxTweet.objects.get(tweet_id=int(tweet_id_of(forged))).outcome == "dead"


def test_an_edit_by_the_author_shows_the_new_text_and_keeps_the_old_one(ingest_lines):
    original = v2_tweet("#BSNLSeva no sgnal in Pune")
    first = edit_of(original, "#BSNLSeva no signal in Pune", minutes=2)
    second = edit_of(first, "#BSNLSeva no signal in Pune since Monday", minutes=4)
    ingest_lines(original)
    ingest_lines(first)
    ingest_lines(second)

    message = TicketMessage.objects.get(tweet_id=int(tweet_id_of(second)))
    assert message.text == "#BSNLSeva no signal in Pune since Monday"
    events = list(message.ticket.events.filter(kind="edited").order_by("id").values_list("data", flat=True))
    assert [e["previous_text"] for e in events] == ["#BSNLSeva no sgnal in Pune", "#BSNLSeva no signal in Pune"]
    assert [e["previous_tweet_id"] for e in events] == [tweet_id_of(original), tweet_id_of(first)]
    assert dict(message.previous_versions.values_list("tweet_id", "text")) == {
        int(tweet_id_of(original)): "#BSNLSeva no sgnal in Pune",
        int(tweet_id_of(first)): "#BSNLSeva no signal in Pune",
    }
    assert DeadLetter.objects.count() == 0


def test_edits_in_one_batch_keep_every_version_text(ingest_lines):
    original = v2_tweet("#BSNLSeva typo")
    first = edit_of(original, "#BSNLSeva fixed once", minutes=2)
    second = edit_of(first, "#BSNLSeva fixed twice", minutes=4)
    ingest_lines(original, first, second)

    message = TicketMessage.objects.get(tweet_id=int(tweet_id_of(second)))
    assert message.text == "#BSNLSeva fixed twice"
    assert dict(message.previous_versions.values_list("tweet_id", "text")) == {
        int(tweet_id_of(original)): "#BSNLSeva typo",
        int(tweet_id_of(first)): "#BSNLSeva fixed once",
    }


def test_two_edits_of_a_stored_tweet_in_one_batch_keep_the_middle_text(ingest_lines):
    original = v2_tweet("#BSNLSeva typo")
    first = edit_of(original, "#BSNLSeva fixed once", minutes=2)
    second = edit_of(first, "#BSNLSeva fixed twice", minutes=4)
    ingest_lines(original)
    ingest_lines(first, second)

    message = TicketMessage.objects.get(tweet_id=int(tweet_id_of(second)))
    assert message.text == "#BSNLSeva fixed twice"
    assert dict(message.previous_versions.values_list("tweet_id", "text")) == {
        int(tweet_id_of(original)): "#BSNLSeva typo",
        int(tweet_id_of(first)): "#BSNLSeva fixed once",
    }


def test_the_same_tweet_twice_in_one_batch_makes_one_ticket(ingest_lines):
    page = v2_tweet("#BSNLSeva down")
    summary = ingest_lines(page, page)
    assert Ticket.objects.count() == 1
    assert summary.duplicates == 1


def test_acknowledgement_is_sent_from_the_summoned_department_account(ingest_lines):
    page = v2_tweet("@BSNLCorporate @manojsinhabjp no signal #BSNLSeva", mentions=[BSNL, MINISTER])
    ingest_lines(page)
    ack = ticket_for(page).messages.get(kind="ack")
    assert ack.from_account.handle == "BSNLCorporate"
    assert ack.delivery == "queued"


def test_acknowledgement_falls_back_to_the_ministers_account(ingest_lines):
    page = v2_tweet("@manojsinhabjp no signal #BSNLSeva", mentions=[MINISTER])
    ingest_lines(page)
    assert ticket_for(page).messages.get(kind="ack").from_account.handle == "manojsinhabjp"


def test_a_ticket_with_no_summoned_account_is_flagged_for_a_manual_reply(ingest_lines):
    page = v2_tweet("no signal #BSNLSeva")
    ingest_lines(page)
    ticket = ticket_for(page)
    assert ticket.needs_manual_reply
    assert ticket.messages.get(kind="ack").delivery == "manual"


def test_hindi_tweet_gets_a_hindi_acknowledgement(ingest_lines):
    page = v2_tweet("मेरा ब्रॉडबैंड बंद है #BSNLSeva", lang="hi")
    ingest_lines(page)
    assert "शिकायत" in ticket_for(page).messages.get(kind="ack").text


def test_a_crash_mid_batch_leaves_no_half_ticket_and_the_tweets_pending(seeded, monkeypatch):
    import io
    import json

    import tickets.services.intake
    from ingestion.files import ingest_stream
    from ingestion.inbox import inbox_process_pending

    pages = [v2_tweet(f"#BSNLSeva outage {n}") for n in range(5)]
    data = "\n".join(json.dumps(p) for p in pages).encode()

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(tickets.services.intake, "audit_events_append", crash)
    with pytest.raises(RuntimeError):
        ingest_stream(io.BytesIO(data))
    assert Ticket.objects.count() == 0
    assert TicketMessage.objects.count() == 0
    assert InboxTweet.objects.filter(state="pending").count() == 5

    monkeypatch.undo()
    inbox_process_pending()
    assert Ticket.objects.count() == 5
    assert InboxTweet.objects.filter(state="pending").count() == 0


def test_the_batch_uses_a_fixed_number_of_queries_whatever_its_size(seeded):
    import io
    import json

    from ingestion.files import ingest_stream

    def run(n):
        pages = [v2_tweet(f"#BSNLSeva outage {i} in Pune") for i in range(n)]
        data = "\n".join(json.dumps(p) for p in pages).encode()
        with transaction.atomic():
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                ingest_stream(io.BytesIO(data), batch_size=10_000)
            return len(captured.captured_queries)

    assert run(5) == run(200)


def test_ticket_timestamps_are_aware_and_recent(ingest_lines):
    page = v2_tweet("#BSNLSeva down")
    ingest_lines(page)
    ticket = ticket_for(page)
    assert abs(ticket.created_at - timezone.now()) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("5", 5),
        ("@BSNLCorporate 4/5 quick fix, thanks", 4),
        ("rating: 2", 2),
        ("⭐⭐⭐", 3),
        ("३ में से ५", 3),
        ("१", 1),
        ("It broke again", None),
        ("10 days later still down", None),
        ("2 days and still broken", None),
    ],
)
def test_ratings_are_read_from_replies(text, rating):
    from tickets.feedback import rating_from_text

    found = rating_from_text(text)
    assert (found[0] if found else None) == rating


def test_a_rating_reply_on_a_resolved_ticket_is_feedback_not_a_reopening(ingest_lines):
    complaint = v2_tweet("#BSNLSeva no signal in Kochi")
    ingest_lines(complaint)
    ticket = ticket_for(complaint)
    _resolve(ticket, at=ticket.tweeted_at + timedelta(hours=1))
    rating = v2_tweet(
        "5 thank you!", conversation_id=tweet_id_of(complaint), reply_to=tweet_id_of(complaint), minutes=120
    )
    summary = ingest_lines(rating)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert summary.outcomes["feedback"] == 1
    feedback = ticket.feedback.get()
    assert (feedback.rating, feedback.comment) == (5, "thank you")
    assert not ticket.escalations.exists()
    assert ticket.events.filter(kind="feedback").count() == 1


def test_a_low_rating_opens_an_appeal_to_the_next_level_up(ingest_lines):
    complaint = v2_tweet("#BSNLSeva no signal in Kochi")
    ingest_lines(complaint)
    ticket = ticket_for(complaint)
    assert ticket.unit.code == "BSNL_KL"
    _resolve(ticket, at=ticket.tweeted_at + timedelta(hours=1))
    ingest_lines(
        v2_tweet(
            "1 nothing was fixed", conversation_id=tweet_id_of(complaint), reply_to=tweet_id_of(complaint), minutes=120
        )
    )
    ticket.refresh_from_db()
    appeal = ticket.escalations.get()
    assert (appeal.reason, appeal.notify_department.code) == ("appeal", "BSNL")
    assert ticket.escalation_level == appeal.level == 1
    assert ticket.events.filter(kind="escalated").count() == 1


def test_a_second_rating_reply_reopens_instead(ingest_lines):
    complaint = v2_tweet("#PostalSeva parcel lost")
    ingest_lines(complaint)
    ticket = ticket_for(complaint)
    _resolve(ticket, at=ticket.tweeted_at + timedelta(hours=1))
    ingest_lines(v2_tweet("4", conversation_id=tweet_id_of(complaint), reply_to=tweet_id_of(complaint), minutes=90))
    ingest_lines(
        v2_tweet(
            "2 it is lost again", conversation_id=tweet_id_of(complaint), reply_to=tweet_id_of(complaint), minutes=100
        )
    )
    ticket.refresh_from_db()
    assert ticket.feedback.count() == 1
    assert ticket.status == Status.REOPENED


def test_our_acknowledgement_echoing_back_is_not_a_first_response(ingest_lines):
    complaint = v2_tweet("@BSNLCorporate no signal #BSNLSeva", mentions=[BSNL])
    ingest_lines(complaint)
    ticket = ticket_for(complaint)
    ack_text = ticket.messages.get(kind="ack").text
    echo = v2_tweet(
        f"@citizen_one {ack_text}",
        author=BSNL,
        conversation_id=tweet_id_of(complaint),
        reply_to=tweet_id_of(complaint),
        minutes=1,
    )
    ingest_lines(echo)
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("पुणे में 3 दिन से नेटवर्क नहीं है #BSNLSeva", "BSNL_MH"),
        ("लखनऊ में ब्रॉडबैंड बंद है #BSNLSeva", "BSNL_UP"),
        ("Pune mein net band hai #BSNLSeva", "BSNL_MH"),
    ],
)
def test_a_tweet_naming_its_city_in_either_script_reaches_the_citys_unit(ingest_lines, text, unit):
    from tests.ingestion.factories import tweet_id_of, v2_tweet
    from tickets.models import TicketMessage

    page = v2_tweet(text, lang="hi")
    ingest_lines(page)
    ticket = TicketMessage.objects.select_related("ticket__unit").get(tweet_id=int(tweet_id_of(page))).ticket
    assert ticket.unit.code == unit
