"""Posting the outbox to a fake X API over loopback: at most once, rate-limited, retried, reconciled."""

import copy
import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from departments.models import OfficialAccount
from devtools.fake_x import Endpoint, FakeXApi, Fault
from ingestion.delivery import (
    accounts_paused,
    replies_reconcile,
    replies_send_due,
    usage_cap_pause,
    usage_capped,
)
from ingestion.models import Outcome
from ingestion.tasks import replies_send
from ingestion.x_client import XClient
from tests.ingestion.factories import BSNL, tweet_id_of, v2_tweet
from tickets.models import AuditEvent, Delivery, EventKind, MessageKind, Ticket, TicketMessage
from tickets.posting_budget import posting_budget_forget
from tickets.services.outbox import outbox_claim_due, outbox_queue_reply

LONG_REPLY = "We have checked your line at the exchange and found a fault in the cable. " * 8


@pytest.fixture
def fake_x(request, settings):
    with FakeXApi(**getattr(request, "param", {})) as fake:
        settings.X_API_BASE_URL = fake.base_url
        settings.X_API_BEARER_TOKEN = ""
        settings.X_ACCOUNT_TOKENS = {}
        yield fake


@pytest.fixture
def x_client(fake_x):
    with XClient(base_url=fake_x.base_url, bearer_token="", account_tokens={}, timeout=2.0) as client:
        yield client


def account_unpause(*, account_id: int) -> None:
    """What the pause's expiry does (the product never lifts one early)."""
    posting_budget_forget(account_ids=[account_id], app=False)


@pytest.fixture(autouse=True)
def no_pauses(seeded):
    """Pauses and budgets live in Redis, which outlives a test's database."""
    account_ids = list(OfficialAccount.objects.values_list("id", flat=True))

    def clear() -> None:
        posting_budget_forget(account_ids=account_ids)
        usage_cap_pause(until=None)

    clear()
    yield
    clear()


@pytest.fixture
def complaint(fake_x, ingest_lines):
    """A citizen's tweet mentioning @BSNLCorporate, known to the fake X and ingested: returns its ticket."""

    def make(text: str = "@BSNLCorporate my landline is dead #BSNLSeva", *, mention: bool = True) -> Ticket:
        page = v2_tweet(text, mentions=[BSNL] if mention else [])
        fake_x.add_tweets(page["data"], page["includes"]["users"])
        ingest_lines(page)
        return TicketMessage.objects.get(tweet_id=int(tweet_id_of(page))).ticket

    return make


def ack_of(ticket: Ticket) -> TicketMessage:
    return ticket.messages.get(kind=MessageKind.ACKNOWLEDGEMENT)


def events(ticket: Ticket, kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(ticket=ticket, kind=kind))


def posts_tried(fake: FakeXApi) -> int:
    """POST /2/tweets requests the fake received, refused ones included."""
    return sum(1 for request in fake.requests if (request.method, request.path) == ("POST", "/2/tweets"))


def make_due(message: TicketMessage) -> None:
    """What waiting out a backoff or a rate-limit reset does to a queued message."""
    TicketMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    account_unpause(account_id=message.from_account_id)


def test_an_acknowledgement_is_posted_from_the_summoned_account_in_reply_to_the_citizen(fake_x, complaint):
    ticket = complaint()

    summary = replies_send_due()

    ack = ack_of(ticket)
    [post] = fake_x.posted
    assert (post.account, post.in_reply_to_tweet_id, post.text) == (
        "BSNLCorporate",
        str(ticket.opening_tweet_id),
        ack.text,
    )
    assert (ack.delivery, ack.tweet_id, ack.attempts) == (Delivery.SENT, int(post.id), 1)
    assert ack.sent_at is not None
    assert [event.data["tweet_id"] for event in events(ticket, EventKind.REPLY_SENT)] == [post.id]
    assert (summary.claimed, summary.sent) == (1, 1)


def test_an_acknowledgement_is_not_the_tickets_first_response(complaint):
    ticket = complaint()
    replies_send_due()
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None


def test_running_the_sender_twice_posts_once(fake_x, complaint):
    complaint()

    replies_send_due()
    second = replies_send_due()

    assert posts_tried(fake_x) == 1
    assert second.claimed == 0


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_post_each_reply_once(fake_x, complaint):
    tickets = [complaint(f"@BSNLCorporate no dial tone, exchange {i} #BSNLSeva") for i in range(6)]
    start = threading.Barrier(2)
    summaries, errors = [], []

    def sender() -> None:
        try:
            with XClient(base_url=fake_x.base_url, bearer_token="", account_tokens={}, timeout=2.0) as client:
                start.wait(timeout=5)
                summaries.append(replies_send_due(client=client))
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(post.text for post in fake_x.posted) == sorted(ack_of(ticket).text for ticket in tickets)
    assert posts_tried(fake_x) == 6
    assert sum(summary.sent for summary in summaries) == 6
    assert {ack_of(ticket).delivery for ticket in tickets} == {Delivery.SENT}


def test_a_429_requeues_the_reply_and_pauses_the_account_until_reset(fake_x, complaint):
    first, second = complaint(), complaint("@BSNLCorporate broadband down #BSNLSeva")
    fake_x.inject(Endpoint.POST, Fault.RATE_LIMITED, reset_in=120)

    summary = replies_send_due()

    ack = ack_of(first)
    reset = timezone.now() + timedelta(seconds=120)
    assert (summary.deferred, summary.sent, fake_x.posted) == (1, 0, [])
    assert (ack.delivery, ack.attempts) == (Delivery.QUEUED, 0)
    assert abs(ack.next_attempt_at - reset) < timedelta(seconds=5)
    assert abs(accounts_paused(account_ids=[ack.from_account_id])[ack.from_account_id] - reset) < timedelta(seconds=5)
    # The other reply from the paused account is not even tried, now or on the next run.
    replies_send_due()
    assert posts_tried(fake_x) == 1
    assert ack_of(second).delivery == Delivery.QUEUED


def test_a_rate_limited_reply_is_sent_once_the_reset_has_passed(fake_x, complaint):
    ticket = complaint()
    fake_x.inject(Endpoint.POST, Fault.RATE_LIMITED, reset_in=120)
    replies_send_due()

    make_due(ack_of(ticket))
    replies_send_due()

    assert len(fake_x.posted) == 1
    assert ack_of(ticket).delivery == Delivery.SENT


@pytest.mark.parametrize("fake_x", [{"rate_limits": {Endpoint.POST: 1}}], indirect=True)
def test_an_answer_with_no_requests_remaining_pauses_the_account(fake_x, complaint):
    complaint()
    second = complaint("@BSNLCorporate broadband down #BSNLSeva")

    summary = replies_send_due()

    account_id = ack_of(second).from_account_id
    assert (summary.sent, summary.paused_accounts) == (1, ["BSNLCorporate"])
    assert posts_tried(fake_x) == 1
    assert ack_of(second).delivery == Delivery.QUEUED
    assert account_id in accounts_paused(account_ids=[account_id])


def test_a_503_is_retried_later_with_backoff(fake_x, complaint):
    ticket = complaint()
    fake_x.inject(Endpoint.POST, Fault.UNAVAILABLE)

    summary = replies_send_due()

    ack = ack_of(ticket)
    assert (summary.retrying, fake_x.posted) == (1, [])
    assert (ack.delivery, ack.attempts) == (Delivery.QUEUED, 1)
    assert "503" in ack.last_error
    assert timezone.now() < ack.next_attempt_at <= timezone.now() + timedelta(seconds=15)
    replies_send_due()
    assert posts_tried(fake_x) == 1  # not due yet

    make_due(ack)
    replies_send_due()

    assert len(fake_x.posted) == 1
    assert (ack_of(ticket).delivery, ack_of(ticket).attempts) == (Delivery.SENT, 2)


def not_summoned(fake_x, ticket, x_client):
    # On X the citizen's tweet does not mention the account, so X refuses the reply.
    tweet = copy.deepcopy(fake_x.state.tweets[str(ticket.opening_tweet_id)])
    tweet["text"] = "my landline is dead #BSNLSeva"
    tweet.pop("entities", None)
    fake_x.add_tweets([tweet])


def duplicate(fake_x, ticket, x_client):
    # The account already posted this text (elsewhere), so X refuses it as duplicate content.
    x_client.create_tweet(ack_of(ticket).text, None, "BSNLCorporate")


def usage_cap(fake_x, ticket, x_client):
    fake_x.inject(Endpoint.POST, Fault.USAGE_CAPPED)


@pytest.mark.parametrize(
    ("arrange", "error"),
    [(usage_cap, "Usage cap exceeded"), (duplicate, "duplicate content"), (not_summoned, "not allowed")],
)
def test_a_permanent_error_fails_the_reply_for_good_and_shows_it_on_the_ticket(
    fake_x, complaint, x_client, arrange, error
):
    ticket = complaint()
    arrange(fake_x, ticket, x_client)
    attempts_before = posts_tried(fake_x)

    summary = replies_send_due()
    usage_cap_pause(until=None)
    replies_send_due()

    ack = ack_of(ticket)
    assert summary.failed == 1
    assert ack.delivery == Delivery.FAILED
    assert error in ack.last_error
    assert posts_tried(fake_x) == attempts_before + 1
    assert [event.data["error"] for event in events(ticket, EventKind.REPLY_FAILED)] == [ack.last_error]


def test_after_a_usage_cap_no_other_reply_is_tried(fake_x, complaint):
    complaint()
    second = complaint("@BSNLCorporate broadband down #BSNLSeva")
    fake_x.inject(Endpoint.POST, Fault.USAGE_CAPPED)

    replies_send_due()
    later = replies_send_due()

    assert usage_capped()
    assert later.usage_capped
    assert posts_tried(fake_x) == 1
    assert ack_of(second).delivery == Delivery.QUEUED


def test_a_reply_whose_answer_was_lost_is_reconciled_not_resent(fake_x, complaint):
    ticket = complaint()
    fake_x.inject(Endpoint.POST, Fault.TIMEOUT_AFTER_POST)

    summary = replies_send_due()
    replies_send_due()

    [post] = fake_x.posted
    ack = ack_of(ticket)
    assert post.response_withheld
    assert summary.reconciled == 1
    assert (ack.delivery, ack.tweet_id) == (Delivery.SENT, int(post.id))
    assert posts_tried(fake_x) == 1
    assert events(ticket, EventKind.REPLY_SENT)[0].data["reconciled"] is True


def test_a_reply_left_sending_by_a_dead_sender_that_x_posted_is_recorded_not_resent(fake_x, complaint, x_client):
    ticket = complaint()
    ack = ack_of(ticket)
    outbox_claim_due(limit=1)
    posted = x_client.create_tweet(ack.text, ack.in_reply_to_tweet_id, "BSNLCorporate")  # then the sender died

    summary = replies_reconcile(older_than=timedelta(0))
    replies_send_due()

    assert summary.found == 1
    assert ack_of(ticket).tweet_id == int(posted.id)
    assert posts_tried(fake_x) == 1


def test_a_reply_left_sending_that_x_never_got_is_queued_again_and_sent_once(fake_x, complaint):
    ticket = complaint()
    outbox_claim_due(limit=1)  # then the sender died before posting

    summary = replies_reconcile(older_than=timedelta(0))
    replies_send_due()

    assert summary.requeued == 1
    assert len(fake_x.posted) == 1
    assert ack_of(ticket).delivery == Delivery.SENT


def test_a_reply_that_is_not_stale_yet_is_left_to_its_sender(fake_x, complaint):
    ticket = complaint()
    outbox_claim_due(limit=1)

    assert replies_reconcile(older_than=timedelta(minutes=2)).checked == 0
    assert ack_of(ticket).delivery == Delivery.SENDING


def test_our_post_echoed_before_reconciliation_gives_way_to_the_reply(fake_x, complaint, x_client, ingest_lines):
    ticket = complaint()
    ack = ack_of(ticket)
    outbox_claim_due(limit=1)
    posted = x_client.create_tweet(ack.text, ack.in_reply_to_tweet_id, "BSNLCorporate")  # then the sender died
    echo = v2_tweet(ack.text, author=BSNL, tweet_id=posted.id, conversation_id=str(ticket.conversation_id),
                    reply_to=str(ticket.opening_tweet_id))  # fmt: skip
    ingest_lines(echo)
    assert ticket.messages.filter(tweet_id=int(posted.id), kind=MessageKind.OFFICIAL_TWEET).exists()

    replies_reconcile(older_than=timedelta(0))

    [message] = ticket.messages.filter(tweet_id=int(posted.id))
    assert (message.pk, message.delivery) == (ack.pk, Delivery.SENT)


def test_a_long_reply_is_posted_as_a_numbered_thread_each_part_replying_to_the_previous(fake_x, complaint):
    ticket = complaint()
    with transaction.atomic():
        parts = outbox_queue_reply(ticket=ticket, text=LONG_REPLY, kind=MessageKind.REPLY)

    replies_send_due()

    posts = [post for post in fake_x.posted if post.text != ack_of(ticket).text]
    assert [post.text for post in posts] == [part.text for part in parts]
    assert [post.text[-6:] for post in posts] == [" (1/3)", " (2/3)", " (3/3)"]
    assert [post.in_reply_to_tweet_id for post in posts] == [
        str(ticket.opening_tweet_id),
        posts[0].id,
        posts[1].id,
    ]
    assert [message.tweet_id for message in TicketMessage.objects.filter(pk__in=[p.pk for p in parts])] == [
        int(post.id) for post in posts
    ]


def test_a_ticket_needing_a_manual_reply_is_never_sent(fake_x, complaint):
    ticket = complaint("my landline is dead #BSNLSeva", mention=False)

    summary = replies_send_due()

    assert (summary.claimed, posts_tried(fake_x)) == (0, 0)
    assert ack_of(ticket).delivery == Delivery.MANUAL


def test_our_reply_echoing_back_through_ingestion_changes_nothing(fake_x, complaint, ingest_lines):
    ticket = complaint()
    replies_send_due()
    [post] = fake_x.posted
    echo = v2_tweet(post.text, author=BSNL, tweet_id=post.id, conversation_id=str(ticket.conversation_id),
                    reply_to=str(ticket.opening_tweet_id))  # fmt: skip
    counts = Ticket.objects.count(), TicketMessage.objects.count(), AuditEvent.objects.count()

    summary = ingest_lines(echo)

    assert summary.outcomes[Outcome.DUPLICATE] == 1
    assert (Ticket.objects.count(), TicketMessage.objects.count(), AuditEvent.objects.count()) == counts


def test_the_send_replies_command_prints_a_summary(fake_x, complaint):
    complaint()
    out = io.StringIO()

    call_command("send_replies", stdout=out)

    assert "sent 1" in out.getvalue()
    assert len(fake_x.posted) == 1


def test_the_send_task_posts_due_replies_and_beat_runs_both_tasks(fake_x, complaint, settings):
    complaint()

    replies_send.apply()

    assert len(fake_x.posted) == 1
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["ingestion.tasks.replies_send"] == 10.0
    assert scheduled["ingestion.tasks.replies_reconcile"] == 60.0
