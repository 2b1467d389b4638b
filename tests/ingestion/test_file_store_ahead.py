"""Outside a transaction, file ingestion's parsing process stores each batch in the inbox on its own
connection while the batch before is processed (ingestion.files.ingest_stream). These tests run
outside one (transactional), so that path is the one taken."""

import pytest
from django.db import connection

from departments.seed import seed_demo
from ingestion.models import InboxTweet
from tests.ingestion.test_sample_stream import _expectations, sample_failures
from tickets.models import Ticket
from tickets.triage.rules import triage_classify_many

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded_outside_a_transaction():
    seed_demo(password="demo-pass-123")
    assert not connection.in_atomic_block


@pytest.fixture
def as_if_no_other_thread(monkeypatch):
    """The fork needs a process with no other thread; a full run's earlier tests may leave some
    (a fake X's server, idle and harmless to a fork), which would send these tests down the inline path."""
    from ingestion import files

    monkeypatch.setattr(files.threading, "active_count", lambda: 1)


def test_batches_stored_ahead_give_the_sample_its_expected_tickets(
    seeded_outside_a_transaction, as_if_no_other_thread, sample_stream_dir, monkeypatch
):
    from ingestion import files, inbox
    from ingestion.files import ingest_path

    kicks, forks = [], []
    monkeypatch.setattr(inbox, "inbox_kick", lambda: kicks.append(1))
    in_process = files._parsed_in_process
    monkeypatch.setattr(files, "_parsed_in_process", lambda *a, **k: forks.append(1) or in_process(*a, **k))
    summary = ingest_path(sample_stream_dir / "sample_tweets.jsonl", batch_size=7)
    assert forks == [1]  # this test is about the parsing process: it must have been the path taken

    assert sample_failures(sample_stream_dir) == []
    assert not InboxTweet.objects.filter(state="pending").exists()
    assert summary.tickets_created == Ticket.objects.count()
    # The file's own process works its batches: no worker is asked to race it for them.
    assert kicks == []
    # Its triage, worked out in the parsing process, is what the rules make of each opening tweet now.
    tickets = list(Ticket.objects.select_related("department", "unit").order_by("id"))
    openings = [(t.scope_department_id, t.messages.earliest("id").text) for t in tickets]
    expected = triage_classify_many(requests=openings)
    got = [(t.priority, t.category_id, t.triage_rule_id, t.triage_reason) for t in tickets]
    assert got == [(r.priority, r.category_id, r.rule_id, r.reason) for r in expected]
    assert {priority for priority, *_ in got} - {"p3"}  # the sample has tweets the rules match


def test_a_crash_after_batches_were_stored_ahead_loses_no_tweet(
    seeded_outside_a_transaction, as_if_no_other_thread, sample_stream_dir, monkeypatch
):
    import tickets.services.intake
    from ingestion.files import ingest_path
    from ingestion.inbox import inbox_process_pending

    appended = tickets.services.intake.audit_events_append
    calls = []

    def crash_on_the_second_batch(events):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return appended(events)

    monkeypatch.setattr(tickets.services.intake, "audit_events_append", crash_on_the_second_batch)
    with pytest.raises(RuntimeError):
        ingest_path(sample_stream_dir / "sample_tweets.jsonl", batch_size=7)
    first_batch_tickets = Ticket.objects.count()
    assert 0 < first_batch_tickets < len([e for e in _expectations(sample_stream_dir).values() if e[:5] == "DEPT:"])
    # The batches the parsing process stored ahead wait in the inbox, none half processed.
    assert InboxTweet.objects.filter(state="pending").exists()
    assert not Ticket.objects.filter(messages__isnull=True).exists()

    monkeypatch.undo()
    while inbox_process_pending().outcomes:
        pass
    ingest_path(sample_stream_dir / "sample_tweets.jsonl", batch_size=7)  # the rest of the file, again
    assert sample_failures(sample_stream_dir) == []
    assert not InboxTweet.objects.filter(state="pending").exists()


def test_a_daemonic_process_reads_the_file_itself(
    seeded_outside_a_transaction, as_if_no_other_thread, sample_stream_dir, monkeypatch
):
    """A Celery worker's process is daemonic and may not fork: the file is read inline there."""
    import types

    from ingestion import files

    monkeypatch.setattr(files.multiprocessing, "current_process", lambda: types.SimpleNamespace(daemon=True))

    def no_fork(*args, **kwargs):
        raise AssertionError("forked a parsing process from a daemonic one")

    monkeypatch.setattr(files, "_parsed_in_process", no_fork)
    files.ingest_path(sample_stream_dir / "sample_tweets.jsonl", batch_size=7)
    assert sample_failures(sample_stream_dir) == []


def test_a_process_with_other_threads_reads_the_file_itself(seeded_outside_a_transaction, sample_stream_dir):
    """A fork would copy the other threads' connections mid-use (a live server's, a browser driver's)."""
    import threading

    from ingestion import files

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        original, files._parsed_in_process = files._parsed_in_process, None  # calling it would fail
        files.ingest_path(sample_stream_dir / "sample_tweets.jsonl", batch_size=7)
    finally:
        files._parsed_in_process = original
        release.set()
        other.join()
    assert sample_failures(sample_stream_dir) == []
