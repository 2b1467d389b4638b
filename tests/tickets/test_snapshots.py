"""The snapshot intake threads against: messages found by any version of their tweet, tickets by
conversation or id, with the tickets they were merged into."""

import pytest

from tests.ingestion.factories import BSNL, next_id, tweet_id_of, v2_tweet
from tickets.lifecycle import Status
from tickets.models import Ticket, TicketMessage
from tickets.snapshots import message_snapshots, ticket_snapshots_locked

pytestmark = pytest.mark.django_db


def complaint(ingest_lines, text: str, **options) -> Ticket:
    page = v2_tweet(text, mentions=[BSNL], **options)
    ingest_lines(page)
    return TicketMessage.objects.get(tweet_id=int(tweet_id_of(page))).ticket


def test_a_message_is_found_by_its_tweet_and_by_an_earlier_version(ingest_lines):
    first = next_id()
    ingest_lines(v2_tweet("@BSNLCorporate no dial tone #BSNLSeva", mentions=[BSNL], tweet_id=first))
    edited = next_id()
    text = "@BSNLCorporate no dial tone since Monday #BSNLSeva"
    ingest_lines(v2_tweet(text, mentions=[BSNL], tweet_id=edited, edit_history=[first, edited]))
    message = TicketMessage.objects.get(tweet_id=int(edited))

    by_new, by_old = message_snapshots(tweet_ids=[int(edited)]), message_snapshots(tweet_ids=[int(first)])

    assert by_new == by_old
    [snapshot] = by_new
    assert (snapshot.message_id, snapshot.ticket_id, snapshot.tweet_id) == (message.id, message.ticket_id, int(edited))
    assert snapshot.previous_tweet_ids == [int(first)]
    assert message_snapshots(tweet_ids=[int(next_id())]) == []


def test_tickets_come_by_conversation_and_by_id_with_what_they_were_merged_into(ingest_lines):
    kept = complaint(ingest_lines, "@BSNLCorporate broadband down in Pune #BSNLSeva")
    merged = complaint(ingest_lines, "@BSNLCorporate broadband still down in Pune #BSNLSeva")
    other = complaint(ingest_lines, "@BSNLCorporate landline dead in Kochi #BSNLSeva")
    Ticket.objects.filter(pk=merged.pk).update(merged_into=kept, status=Status.CLOSED)

    by_conversation = ticket_snapshots_locked(conversation_ids=[merged.conversation_id], ticket_ids=[])
    by_id = ticket_snapshots_locked(conversation_ids=[], ticket_ids=[other.id])

    assert [(t.ticket_id, t.merged_into_id) for t in by_conversation] == [(kept.id, None), (merged.id, kept.id)]
    [snapshot] = by_id
    assert (snapshot.ticket_id, snapshot.conversation_id) == (other.id, other.conversation_id)
    assert (snapshot.citizen_x_user_id, snapshot.status) == (other.citizen_x_user_id, Status.NEW)
    assert (snapshot.department_id, snapshot.unit_id) == (other.department_id, other.unit_id)
    assert (snapshot.resolved_at, snapshot.merged_into_id, snapshot.rated) == (None, None, False)
