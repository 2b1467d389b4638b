"""The sample stream (tests/fixtures): every expectation of sample_expected.tsv holds after ingesting it."""

import csv

import pytest
from django.utils import timezone

from ingestion.models import DeadLetter, InboxTweet
from tickets.models import AuditEvent, Ticket, TicketMessage
from tickets.numbering import number_period

pytestmark = pytest.mark.django_db


def _expectations(sample_stream_dir) -> dict[int, str]:
    with (sample_stream_dir / "sample_expected.tsv").open() as handle:
        return {int(row["tweet_id"]): row["expectation"] for row in csv.DictReader(handle, delimiter="\t")}


def _ticket_of(tweet_id: int) -> Ticket | None:
    message = TicketMessage.objects.filter(tweet_id=tweet_id).select_related("ticket__department").first()
    if message is None:
        message = (
            TicketMessage.objects.filter(previous_tweet_ids__contains=[tweet_id])
            .select_related("ticket__department")
            .first()
        )
    return message.ticket if message else None


def sample_failures(sample_stream_dir) -> list[str]:
    """Each expectation of the ingested sample that does not hold, said as what was expected and got."""
    expectations = _expectations(sample_stream_dir)
    failures = []
    for tweet_id, expectation in expectations.items():
        kind, _, value = expectation.partition(":")
        ticket = _ticket_of(tweet_id)
        if kind == "DEPT":
            ok = ticket is not None and ticket.opening_tweet_id == tweet_id and ticket.department.code == value
        elif kind in ("SAME", "EDIT", "REPLY"):
            ok = ticket is not None and ticket == _ticket_of(int(value))
            if ok and kind == "REPLY":
                ok = TicketMessage.objects.get(tweet_id=tweet_id).direction == "out"
            if ok and kind == "EDIT":
                ok = TicketMessage.objects.filter(ticket=ticket, tweet_id=tweet_id).exists()
        else:  # NONE
            ok = ticket is None
        if not ok:
            failures.append(
                f"{tweet_id}: expected {expectation}, got "
                f"{ticket.number + ' ' + ticket.department.code if ticket else 'no ticket'}"
            )
    return failures


def test_every_expectation_of_the_sample_holds(ingest_sample, sample_stream_dir):
    ingest_sample()
    assert sample_failures(sample_stream_dir) == []
    expectations = _expectations(sample_stream_dir)
    assert Ticket.objects.count() == sum(1 for e in expectations.values() if e.startswith("DEPT:"))


def test_malformed_lines_become_dead_letters_with_reasons(ingest_sample):
    summary = ingest_sample()
    reasons = list(DeadLetter.objects.values_list("reason", flat=True))
    assert summary.dead_letters == len(reasons) >= 6
    assert all(reason for reason in reasons)


def test_ingesting_the_sample_twice_changes_nothing(ingest_sample):
    ingest_sample()
    before = (
        Ticket.objects.count(),
        TicketMessage.objects.count(),
        AuditEvent.objects.count(),
        InboxTweet.objects.count(),
        DeadLetter.objects.count(),
        sorted(Ticket.objects.values_list("number", "status")),
    )
    summary = ingest_sample()
    after = (
        Ticket.objects.count(),
        TicketMessage.objects.count(),
        AuditEvent.objects.count(),
        InboxTweet.objects.count(),
        DeadLetter.objects.count(),
        sorted(Ticket.objects.values_list("number", "status")),
    )
    assert after == before
    assert summary.tickets_created == 0
    assert summary.duplicates == summary.received


def test_each_new_ticket_has_an_event_and_an_acknowledgement(ingest_sample):
    summary = ingest_sample()
    tickets = list(Ticket.objects.all())
    assert len(tickets) == summary.tickets_created > 0
    for ticket in tickets:
        assert ticket.events.filter(kind="created").count() == 1
        ack = ticket.messages.get(kind="ack")
        assert ticket.number in ack.text
        assert "http" not in ack.text
        assert ack.delivery in ("queued", "manual")


def test_ticket_numbers_are_readable_and_sequential_per_department(ingest_sample):
    ingest_sample()
    numbers = sorted(Ticket.objects.filter(department__code="BSNL").values_list("number", flat=True))
    period = number_period(timezone.now())
    assert numbers
    assert all(number.startswith(f"BSNL-{period}-") for number in numbers)
    sequences = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert sequences == list(range(1, len(numbers) + 1))
