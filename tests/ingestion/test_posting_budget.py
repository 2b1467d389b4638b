"""The posting budget, end to end on the fake X API: what X says is left is spent by rank, officers' replies
first; acknowledgements never take what a waiting reply needs, come once per citizen conversation, and are
dropped when the ticket was answered first."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from departments.models import OfficialAccount
from devtools.fake_x import Endpoint, FakeXApi, Fault
from ingestion.delivery import replies_send_due, usage_cap_pause
from tests.ingestion.factories import BSNL, tweet_id_of, v2_tweet
from tickets.lifecycle import Status
from tickets.models import AuditEvent, Delivery, EventKind, MessageKind, Ticket, TicketMessage
from tickets.posting_budget import posting_budget_forget, posting_budget_get, posting_budgets_get
from tickets.services import ticket_reply
from tickets.services.outbox import outbox_claim_due, outbox_queue_reply
from tickets.services.outbox_budget import outbox_budget_gates


class Clock:
    """The fake X's time, moved by the test."""

    def __init__(self) -> None:
        self.now = timezone.now().timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def posts_per_window():
    return 3


@pytest.fixture
def fake_x(settings, clock, posts_per_window):
    with FakeXApi(rate_limits={Endpoint.POST: posts_per_window}, clock=clock) as fake:
        settings.X_API_BASE_URL = fake.base_url
        settings.X_API_BEARER_TOKEN = ""
        settings.X_ACCOUNT_TOKENS = {}
        settings.OUTBOX_ACK_RESERVE = 0
        yield fake


@pytest.fixture(autouse=True)
def fresh_budgets(seeded):
    """Budgets live in Redis, which outlives a test's database."""
    account_ids = list(OfficialAccount.objects.values_list("id", flat=True))
    posting_budget_forget(account_ids=account_ids)
    usage_cap_pause(until=None)
    yield
    posting_budget_forget(account_ids=account_ids)


@pytest.fixture
def complaint(fake_x, ingest_lines):
    counter = iter(range(1, 1000))

    def make(author: tuple[str, str] | None = None) -> Ticket:
        number = next(counter)
        author = author or (f"citizen_{number}", str(3_100_000_000 + number))
        page = v2_tweet(f"@BSNLCorporate no dial tone at exchange {number} #BSNLSeva", author=author, mentions=[BSNL])
        fake_x.add_tweets(page["data"], page["includes"]["users"])
        ingest_lines(page)
        return TicketMessage.objects.get(tweet_id=int(tweet_id_of(page))).ticket

    return make


@pytest.fixture
def officer(seeded):
    return User.objects.get(username="bsnl_officer")


def ack_of(ticket: Ticket) -> TicketMessage:
    return ticket.messages.get(kind=MessageKind.ACKNOWLEDGEMENT)


def window_passes(clock: Clock) -> None:
    """The account's 15-minute window resets: on the fake X, and in what X last told us."""
    clock.now += 900
    posting_budget_forget(account_ids=OfficialAccount.objects.values_list("id", flat=True), app=False)


def kinds_posted(fake: FakeXApi) -> list[str]:
    by_text = dict(TicketMessage.objects.filter(direction="out").values_list("text", "kind"))
    return [by_text[post.text] for post in fake.posted]


def test_with_the_budget_spent_an_officers_reply_goes_before_every_waiting_acknowledgement(
    fake_x, complaint, officer, clock
):
    tickets = [complaint() for _ in range(5)]
    replies_send_due()  # three acknowledgements spend the window; two wait
    assert kinds_posted(fake_x) == [MessageKind.ACKNOWLEDGEMENT] * 3
    ticket_reply(actor=officer, number=tickets[0].number, text="An engineer will visit your exchange today.")

    replies_send_due()  # nothing is left: nothing is even tried
    assert len(fake_x.post_attempts) == 3
    window_passes(clock)
    replies_send_due()

    assert kinds_posted(fake_x) == [MessageKind.ACKNOWLEDGEMENT] * 3 + [
        MessageKind.REPLY,
        MessageKind.ACKNOWLEDGEMENT,
        MessageKind.ACKNOWLEDGEMENT,
    ]
    # No citizen got two acknowledgements for one ticket.
    acks = Counter(post.in_reply_to_tweet_id for post in fake_x.posted if "registered" in post.text)
    assert set(acks.values()) == {1}
    assert len(acks) == 5


def test_acknowledgements_leave_the_posts_a_waiting_reply_needs(fake_x, complaint, officer):
    first = complaint()
    fake_x.inject(Endpoint.POST, Fault.UNAVAILABLE)
    ticket_reply(actor=officer, number=first.number, text="We are checking the line.")
    replies_send_due()  # the reply meets a 503 and waits for its retry
    reply = first.messages.get(kind=MessageKind.REPLY)
    assert (reply.delivery, reply.next_attempt_at > timezone.now()) == (Delivery.QUEUED, True)
    waiting = [complaint() for _ in range(4)]

    summary = replies_send_due()

    # 3 posts a window: the first ack learns what is left (2), the second leaves 1, and that one is the reply's.
    assert summary.sent == 2
    assert [ack_of(ticket).delivery for ticket in waiting] == [Delivery.SENT] * 2 + [Delivery.QUEUED] * 2
    TicketMessage.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
    replies_send_due()
    reply.refresh_from_db()
    assert reply.delivery == Delivery.SENT
    assert len(fake_x.posted) == 3


@pytest.mark.parametrize("posts_per_window", [4])
def test_acknowledgements_keep_the_reserve_for_replies_yet_to_come(fake_x, complaint, settings):
    settings.OUTBOX_ACK_RESERVE = 1
    tickets = [complaint() for _ in range(4)]

    replies_send_due()

    # Unknown budget: one ack, then 3 left; 2 left; 1 left is the reserve: acknowledgements stop.
    assert [ack_of(ticket).delivery for ticket in tickets] == [Delivery.SENT] * 3 + [Delivery.QUEUED]
    assert len(fake_x.post_attempts) == 3


@pytest.mark.parametrize("posts_per_window", [10])
def test_the_budget_is_spent_by_rank_replies_then_incident_resolutions_then_acknowledgements(fake_x, complaint):
    tickets = [complaint() for _ in range(4)]
    with transaction.atomic():
        outbox_queue_reply(ticket=tickets[0], text="The Pune outage is fixed.", kind=MessageKind.INCIDENT_RESOLUTION)
        outbox_queue_reply(ticket=tickets[1], text="Your line is restored.", kind=MessageKind.REPLY)

    replies_send_due()

    assert kinds_posted(fake_x) == [
        MessageKind.REPLY,
        MessageKind.INCIDENT_RESOLUTION,
        MessageKind.ACKNOWLEDGEMENT,
        MessageKind.ACKNOWLEDGEMENT,
    ]


def test_the_claim_takes_replies_before_older_acknowledgements(complaint):
    older = complaint()
    newer = complaint()
    with transaction.atomic():
        [reply] = outbox_queue_reply(ticket=newer, text="Fixed.", kind=MessageKind.REPLY)

    assert outbox_claim_due(limit=1) == [reply.pk]
    assert outbox_claim_due(limit=1) == [ack_of(older).pk]


def test_an_acknowledgement_is_dropped_once_an_officer_replies_and_never_sent(fake_x, complaint, officer):
    ticket = complaint()

    ticket_reply(actor=officer, number=ticket.number, text="We have logged a fault on your line.")
    replies_send_due()

    ack = ack_of(ticket)
    assert ack.delivery == Delivery.DROPPED
    assert kinds_posted(fake_x) == [MessageKind.REPLY]
    [event] = AuditEvent.objects.filter(ticket=ticket, kind=EventKind.ACK_DROPPED)
    assert (event.data["message_id"], event.data["reason"]) == (ack.pk, "answered")


@pytest.mark.parametrize(
    "closing",
    [
        {"status": Status.REJECTED, "rejection_reason": "Spam."},
        {"status": Status.RESOLVED, "resolved_at": timezone.now(), "resolution_note": "Fixed."},
    ],
)
def test_an_acknowledgement_of_a_ticket_closed_before_it_went_out_is_dropped(fake_x, complaint, closing):
    ticket = complaint()
    Ticket.objects.filter(pk=ticket.pk).update(**closing)

    summary = replies_send_due()

    assert (summary.dropped, fake_x.post_attempts) == (1, [])
    assert ack_of(ticket).delivery == Delivery.DROPPED
    assert AuditEvent.objects.get(ticket=ticket, kind=EventKind.ACK_DROPPED).data["reason"] == "closed"


def test_a_citizen_is_acknowledged_once_per_conversation(fake_x, complaint):
    citizen = ("asha_k", "3200000001")
    first, second = complaint(citizen), complaint(citizen)
    # The second ticket is of the same conversation (as a ticket that follows a closed one is).
    Ticket.objects.filter(pk=second.pk).update(conversation_id=first.conversation_id)

    summary = replies_send_due()

    assert (summary.sent, summary.dropped) == (1, 1)
    assert ack_of(first).delivery == Delivery.SENT
    assert ack_of(second).delivery == Delivery.DROPPED
    event = AuditEvent.objects.get(ticket=second, kind=EventKind.ACK_DROPPED)
    assert (event.data["reason"], event.data["acknowledged_by_message_id"]) == ("acknowledged", ack_of(first).pk)


def test_an_acknowledgement_queued_again_for_a_ticket_already_acknowledged_is_not_sent(fake_x, complaint):
    ticket = complaint()
    replies_send_due()
    ack = ack_of(ticket)
    TicketMessage.objects.create(
        ticket=ticket, direction="out", kind=MessageKind.ACKNOWLEDGEMENT, text=ack.text + " Again.",
        in_reply_to_tweet_id=ack.in_reply_to_tweet_id, from_account=ack.from_account, delivery=Delivery.QUEUED,
        idempotency_key=f"ack-{ticket.number}-again", next_attempt_at=timezone.now(),
    )  # fmt: skip

    summary = replies_send_due()

    assert (summary.sent, summary.dropped, len(fake_x.posted)) == (0, 1, 1)


def test_what_x_says_is_left_is_recorded_per_account_and_for_the_app(fake_x, complaint):
    ticket = complaint()

    replies_send_due()

    account = posting_budgets_get(account_ids=[ticket.reply_account_id])[ticket.reply_account_id]
    app = posting_budget_get(account_id=None)
    assert (account.limit, account.remaining) == (3, 2)
    assert account.reset_at > timezone.now() + timedelta(minutes=14)
    assert (app.limit, app.remaining) == (10_000, 9_999)
    assert app.reset_at > timezone.now() + timedelta(hours=23)


@pytest.mark.parametrize("posts_per_window", [10])
def test_a_spent_app_window_pauses_every_account(settings, clock, complaint):
    with FakeXApi(app_post_limit=1, clock=clock) as fake:
        settings.X_API_BASE_URL = fake.base_url
        first, second = complaint(), complaint()
        for ticket in (first, second):
            tweet = TicketMessage.objects.get(ticket=ticket, kind=MessageKind.TWEET)
            mention = {"start": 0, "end": 14, "username": "BSNLCorporate"}
            fake.add_tweets([{"id": str(tweet.tweet_id), "text": tweet.text, "entities": {"mentions": [mention]}}])

        summary = replies_send_due()
        later = replies_send_due()
        # What X told us is lost: the next post meets X's 429 for the app, and every account waits again.
        posting_budget_forget(account_ids=[], app=True)
        third = replies_send_due()

        assert summary.sent == 1
        assert summary.app_paused_until is not None
        assert later.claimed == 0
        assert (third.deferred, third.sent) == (1, 0)
        assert third.app_paused_until is not None
        assert sum(1 for request in fake.requests if request.path == "/2/tweets") == 2
        assert outbox_budget_gates().app_paused_until is not None
        assert ack_of(second).delivery == Delivery.QUEUED


def test_acknowledgements_spend_the_apps_window_at_an_even_pace_and_replies_are_not_held(settings, complaint):
    from tickets.posting_budget import posting_budget_record

    settings.OUTBOX_APP_ACK_RESERVE = 0
    now = timezone.now()
    # Six hours into the app's window of 2,400 posts: an even pace allows 100 an hour, so 700 by now
    # (an hour ahead); 1,700 must be left.
    posting_budget_record(account_id=None, limit=2400, remaining=1700, reset_at=now + timedelta(hours=18))
    gates = outbox_budget_gates(now=now)
    assert MessageKind.ACKNOWLEDGEMENT in gates.held_everywhere
    assert MessageKind.REPLY not in gates.held_everywhere

    posting_budget_record(account_id=None, limit=2400, remaining=1701, reset_at=now + timedelta(hours=18))
    assert MessageKind.ACKNOWLEDGEMENT not in outbox_budget_gates(now=now).held_everywhere

    settings.OUTBOX_APP_ACK_PACED = False
    posting_budget_record(account_id=None, limit=2400, remaining=1700, reset_at=now + timedelta(hours=18))
    assert MessageKind.ACKNOWLEDGEMENT not in outbox_budget_gates(now=now).held_everywhere
