"""`ingest_file` and `replay_dead_letters`, as an operator runs them."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ingestion.models import DeadLetter
from tests.ingestion.factories import v2_tweet
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_ingest_file_prints_its_summary(seeded, tmp_path, capsys):
    path = tmp_path / "tweets.jsonl"
    path.write_text(
        "\n".join([json.dumps(v2_tweet("#BSNLSeva down")), "", "{broken", json.dumps(v2_tweet("#BSNLSeva a"))])
    )
    call_command("ingest_file", str(path))
    out = capsys.readouterr().out
    assert "received:        2 tweets" in out
    assert "tickets created: 2" in out
    assert "dead letters:    1" in out
    assert Ticket.objects.count() == 2


def test_ingest_file_fails_only_when_the_file_cannot_be_read(seeded, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("ingest_file", str(tmp_path / "missing.jsonl"))


def test_replaying_a_dead_letter_that_now_parses_makes_its_ticket(ingest_lines):
    good = json.dumps(v2_tweet("#PostalSeva parcel lost"))
    DeadLetter.objects.create(door="file", raw=good, fingerprint="x" * 64, reason="parser bug, since fixed")
    ingest_lines("not json at all")
    call_command("replay_dead_letters")
    assert Ticket.objects.filter(department__code="POSTS").count() == 1
    recovered = DeadLetter.objects.get(fingerprint="x" * 64)
    assert recovered.replayed_at is not None
    still = DeadLetter.objects.exclude(fingerprint="x" * 64).get()
    assert still.replayed_at is None
    assert "still failing" in still.replay_result
