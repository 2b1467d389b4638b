"""The outbox, tickets side: splitting replies into threads, queueing them, and the sender's state changes."""

import io
import json
import unicodedata
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ingestion.files import ingest_stream
from seva.celery import app as celery_app
from tests.ingestion.factories import BSNL, next_id, tweet_id_of, v2_tweet
from tickets.models import AuditEvent, Delivery, EventKind, MessageKind, Ticket, TicketMessage
from tickets.post_text import reply_thread_parts, weighted_length
from tickets.services import outbox
from tickets.services.outbox import (
    MAX_ATTEMPTS,
    RETRY_CAP,
    SENDER_KICK_KEY,
    ReplyTextInvalid,
    outbox_claim_due,
    outbox_mark_failed,
    outbox_mark_sent,
    outbox_queue_reply,
    outbox_release,
    outbox_sender_kick,
    outbox_sender_register,
)

# An English sentence of 42 characters and a Hindi one of 37, each followed by a space.
SENTENCE = "We have checked your line at the exchange. "
HINDI = "आपकी शिकायत पर कार्रवाई की जा रही है। "


# --- counting ----------------------------------------------------------------------------------


def test_latin_and_punctuation_count_one_each():
    assert weighted_length("Hello, world! “Quoted” – done.") == len("Hello, world! “Quoted” – done.")


def test_devanagari_and_emoji_count_two_each():
    assert weighted_length("नमस्ते") == 2 * len("नमस्ते")
    assert weighted_length("👍") == 2


def test_text_is_counted_after_nfc_normalisation():
    decomposed = "Cafe\u0301"
    assert len(decomposed) == 5
    assert weighted_length(decomposed) == 4


def test_a_url_counts_at_least_23():
    assert weighted_length("see https://bsnl.in") == 4 + 23
    assert weighted_length("see bsnl.co.in") == 4 + 23


# --- splitting ---------------------------------------------------------------------------------


def test_a_short_reply_is_one_part_without_numbering():
    assert reply_thread_parts("  Your line is fixed.  ") == ["Your line is fixed."]


def test_a_reply_of_exactly_the_limit_is_one_part():
    text = "a" * 279 + "."
    assert reply_thread_parts(text) == [text]


def test_a_reply_one_over_the_limit_becomes_a_numbered_thread_within_the_limit():
    text = "word " * 55 + "words."  # 281 characters
    parts = reply_thread_parts(text)
    assert [part[-6:] for part in parts] == [" (1/2)", " (2/2)"]
    assert all(weighted_length(part) <= 280 for part in parts)


def test_a_thread_splits_at_sentence_ends_and_loses_no_word():
    text = (SENTENCE * 10).strip()
    parts = reply_thread_parts(text)
    bodies = [part.rsplit(" (", 1)[0] for part in parts]
    assert len(parts) == 2
    assert all(body.endswith(".") for body in bodies)
    assert " ".join(bodies).split() == text.split()


def test_a_sentence_longer_than_a_post_splits_between_words():
    text = " ".join(f"word{i}" for i in range(70))  # one sentence of 479 characters
    parts = reply_thread_parts(text)
    bodies = [part.rsplit(" (", 1)[0] for part in parts]
    assert len(parts) == 2
    assert all(weighted_length(part) <= 280 for part in parts)
    assert " ".join(bodies).split() == text.split()


def test_a_hindi_reply_counts_double_and_splits_at_the_danda():
    one_post = (HINDI * 4).strip()  # 151 characters, 271 weighted
    assert reply_thread_parts(one_post) == [one_post]
    text = (HINDI * 7).strip()  # 265 characters, 475 weighted
    parts = reply_thread_parts(text)
    assert len(parts) == 2
    assert all(weighted_length(part) <= 280 for part in parts)
    assert all(part.rsplit(" (", 1)[0].endswith("।") for part in parts)


def test_a_hindi_word_longer_than_a_post_is_never_cut_before_a_vowel_sign():
    word = "कार्रवाई" * 30  # no spaces at all
    parts = reply_thread_parts(word)
    assert all(weighted_length(part) <= 280 for part in parts)
    assert all(unicodedata.category(part[0])[0] != "M" for part in parts)
    assert "".join(part.rsplit(" (", 1)[0] for part in parts) == word


def test_a_long_thread_numbers_with_two_digits_and_stays_within_the_limit():
    parts = reply_thread_parts((SENTENCE * 12).strip(), limit=60)
    assert len(parts) >= 10
    assert parts[9].endswith(f" (10/{len(parts)})")
    assert all(weighted_length(part) <= 60 for part in parts)


# --- queueing ----------------------------------------------------------------------------------


@pytest.fixture
def complaint(seeded):
    """A ticket opened by a tweet; with mention=True it mentions @BSNLCorporate, so replies come from it."""

    def make(text: str = "my landline is dead #BSNLSeva", *, mention: bool = True, **options) -> Ticket:
        page = v2_tweet(f"@BSNLCorporate {text}", mentions=[BSNL], **options) if mention else v2_tweet(text, **options)
        ingest_stream(io.BytesIO(json.dumps(page).encode() + b"\n"))
        return TicketMessage.objects.get(tweet_id=int(tweet_id_of(page))).ticket

    return make


def queue(ticket: Ticket, text: str, **options) -> list[TicketMessage]:
    with transaction.atomic():
        return outbox_queue_reply(ticket=ticket, text=text, kind=MessageKind.REPLY, **options)


def test_a_reply_is_queued_from_the_summoned_account_to_the_citizens_tweet(complaint):
    ticket = complaint()

    [message] = queue(ticket, "A technician will visit today.")

    assert (message.direction, message.kind, message.delivery) == ("out", "reply", Delivery.QUEUED)
    assert message.from_account.handle == "BSNLCorporate"
    assert message.in_reply_to_tweet_id == ticket.opening_tweet_id
    assert message.next_attempt_at <= timezone.now()
    assert message.idempotency_key.startswith(f"reply-{ticket.number}-")


def test_each_reply_gets_its_own_idempotency_key(complaint):
    ticket = complaint()
    [first] = queue(ticket, "Checking.")
    [second] = queue(ticket, "Checking.")
    assert first.idempotency_key != second.idempotency_key


def test_a_reply_answers_the_citizens_newest_tweet_that_mentions_the_account(complaint, ingest_follow_up):
    ticket = complaint()
    mentioning = ingest_follow_up(ticket, "@BSNLCorporate still dead", minutes=5)
    ingest_follow_up(ticket, "hello??", minutes=9)

    [message] = queue(ticket, "We are on it.")

    assert message.in_reply_to_tweet_id == mentioning


def test_a_reply_answers_the_tweet_it_is_given(complaint):
    ticket = complaint()
    [message] = queue(ticket, "We are on it.", in_reply_to_tweet_id=123)
    assert message.in_reply_to_tweet_id == 123


def test_a_ticket_with_no_summoned_account_gets_a_manual_reply_and_is_flagged(complaint):
    ticket = complaint(mention=False)
    Ticket.objects.filter(pk=ticket.pk).update(needs_manual_reply=False)
    ticket.refresh_from_db()

    [message] = queue(ticket, "We are on it.")

    ticket.refresh_from_db()
    assert (message.delivery, message.from_account, message.next_attempt_at) == (Delivery.MANUAL, None, None)
    assert ticket.needs_manual_reply


def test_a_long_reply_is_queued_as_a_thread_whose_later_parts_wait(complaint):
    ticket = complaint()

    messages = queue(ticket, SENTENCE * 15)

    assert [(m.thread_part, m.thread_parts) for m in messages] == [(1, 3), (2, 3), (3, 3)]
    assert messages[0].next_attempt_at is not None
    assert messages[0].in_reply_to_tweet_id == ticket.opening_tweet_id
    assert [(m.next_attempt_at, m.in_reply_to_tweet_id) for m in messages[1:]] == [(None, None), (None, None)]


@pytest.mark.parametrize("text", ["", "   ", "x " * 2000])
def test_an_empty_or_overlong_reply_is_refused(complaint, text):
    ticket = complaint()
    with pytest.raises(ReplyTextInvalid):
        queue(ticket, text)


def test_queueing_asks_for_the_sender_once_committed(complaint, django_capture_on_commit_callbacks):
    ticket = complaint()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(ticket, "On it.")
    assert callbacks == [outbox_sender_kick]


@pytest.fixture
def no_kick_waiting():
    cache.delete(SENDER_KICK_KEY)
    yield
    cache.delete(SENDER_KICK_KEY)


def test_a_kick_enqueues_ingestions_sender_task_once_until_it_starts(no_kick_waiting, monkeypatch):
    sent = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, *args, **kwargs: sent.append(name))
    outbox_sender_kick()
    outbox_sender_kick()  # a request is already waiting: the task clears the key when it starts
    assert sent == ["ingestion.tasks.replies_send"]
    cache.delete(SENDER_KICK_KEY)
    outbox_sender_kick()
    assert sent == ["ingestion.tasks.replies_send"] * 2


def test_the_kick_calls_whichever_sender_is_registered(no_kick_waiting, monkeypatch):
    monkeypatch.setattr(outbox, "_sender_enqueue", None)  # put back the registered one after the test
    calls = []
    outbox_sender_register(enqueue=lambda: calls.append("sender"))
    outbox_sender_kick()
    assert calls == ["sender"]


def test_without_a_registered_sender_a_kick_leaves_it_to_the_beat(no_kick_waiting, monkeypatch):
    monkeypatch.setattr(outbox, "_sender_enqueue", None)
    outbox_sender_kick()
    # No request was made, so none is marked waiting: the next kick, once a sender is there, goes out.
    assert cache.get(SENDER_KICK_KEY) is None


def test_a_manual_reply_does_not_ask_for_the_sender(complaint, django_capture_on_commit_callbacks):
    ticket = complaint(mention=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(ticket, "On it.")
    assert callbacks == []


# --- the sender's state changes ----------------------------------------------------------------


@pytest.fixture
def ingest_follow_up(seeded):
    def ingest(ticket: Ticket, text: str, **options) -> int:
        tweet_id = next_id()
        mentions = [BSNL] if "@BSNLCorporate" in text else []
        page = v2_tweet(
            text,
            tweet_id=tweet_id,
            conversation_id=str(ticket.conversation_id),
            reply_to=str(ticket.opening_tweet_id),
            mentions=mentions,
            **options,
        )
        ingest_stream(io.BytesIO(json.dumps(page).encode() + b"\n"))
        return int(tweet_id)

    return ingest


def only_officer_reply_due(ticket: Ticket) -> None:
    """Park the ticket's acknowledgement, so a claim finds the officer's reply."""
    ticket.messages.filter(kind=MessageKind.ACKNOWLEDGEMENT).update(delivery=Delivery.SENT, tweet_id=int(next_id()))


def test_claiming_marks_sending_and_counts_the_attempt(complaint):
    ticket = complaint()
    only_officer_reply_due(ticket)
    [message] = queue(ticket, "On it.")

    assert outbox_claim_due(limit=10) == [message.pk]

    message.refresh_from_db()
    assert (message.delivery, message.attempts) == (Delivery.SENDING, 1)
    assert outbox_claim_due(limit=10) == []


def test_claiming_skips_excluded_accounts(complaint):
    ticket = complaint()
    assert outbox_claim_due(limit=10, exclude_account_ids=[ticket.reply_account_id]) == []


def test_sending_part_one_makes_part_two_due_in_reply_to_it(complaint):
    ticket = complaint()
    only_officer_reply_due(ticket)
    first, second, _ = queue(ticket, SENTENCE * 15)
    outbox_claim_due(limit=1)

    assert outbox_mark_sent(message_id=first.pk, tweet_id=777, sent_at=timezone.now())

    second.refresh_from_db()
    assert second.in_reply_to_tweet_id == 777
    assert outbox_claim_due(limit=10) == [second.pk]


def test_an_officers_reply_is_the_first_response_and_the_acknowledgement_is_not(complaint):
    ticket = complaint()
    ack = ticket.messages.get(kind=MessageKind.ACKNOWLEDGEMENT)
    outbox_claim_due(limit=1)
    outbox_mark_sent(message_id=ack.pk, tweet_id=701, sent_at=timezone.now())
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None

    [reply] = queue(ticket, "On it.")
    sent_at = timezone.now()
    outbox_claim_due(limit=1)
    outbox_mark_sent(message_id=reply.pk, tweet_id=702, sent_at=sent_at)

    ticket.refresh_from_db()
    assert ticket.first_responded_at == sent_at
    assert ticket.events.filter(kind=EventKind.REPLY_SENT).count() == 2


def test_marking_sent_twice_is_harmless(complaint):
    ticket = complaint()
    ack = ticket.messages.get(kind=MessageKind.ACKNOWLEDGEMENT)
    outbox_claim_due(limit=1)
    outbox_mark_sent(message_id=ack.pk, tweet_id=703, sent_at=timezone.now())

    assert outbox_mark_sent(message_id=ack.pk, tweet_id=703, sent_at=timezone.now())
    assert ticket.events.filter(kind=EventKind.REPLY_SENT).count() == 1


def test_a_transient_failure_requeues_with_backoff(complaint):
    ticket = complaint()
    [message_id] = outbox_claim_due(limit=1)

    delivery = outbox_mark_failed(message_id=message_id, error="503", permanent=False)

    message = TicketMessage.objects.get(pk=message_id)
    assert delivery == message.delivery == Delivery.QUEUED
    assert timezone.now() < message.next_attempt_at <= timezone.now() + RETRY_CAP
    assert message.last_error == "503"
    assert not ticket.events.filter(kind=EventKind.REPLY_FAILED).exists()


def test_the_last_allowed_attempt_fails_for_good(complaint):
    ticket = complaint()
    [message_id] = outbox_claim_due(limit=1)
    TicketMessage.objects.filter(pk=message_id).update(attempts=MAX_ATTEMPTS)

    assert outbox_mark_failed(message_id=message_id, error="503", permanent=False) == Delivery.FAILED
    assert ticket.events.filter(kind=EventKind.REPLY_FAILED).count() == 1


def test_a_permanent_failure_of_a_part_fails_the_rest_of_its_thread(complaint):
    ticket = complaint()
    only_officer_reply_due(ticket)
    first, second, third = queue(ticket, SENTENCE * 15)
    outbox_claim_due(limit=1)

    outbox_mark_failed(message_id=first.pk, error="duplicate content", permanent=True)

    assert set(
        TicketMessage.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("delivery", flat=True)
    ) == {Delivery.FAILED}
    event = AuditEvent.objects.get(ticket=ticket, kind=EventKind.REPLY_FAILED)
    assert event.data["abandoned_message_ids"] == [second.pk, third.pk]


def test_releasing_a_rate_limited_claim_does_not_count_the_attempt(complaint):
    complaint()
    [message_id] = outbox_claim_due(limit=1)
    retry_at = timezone.now() + timedelta(minutes=3)

    assert outbox_release(message_ids=[message_id], retry_at=retry_at, reason="429") == 1

    message = TicketMessage.objects.get(pk=message_id)
    assert (message.delivery, message.attempts, message.next_attempt_at) == (Delivery.QUEUED, 0, retry_at)
