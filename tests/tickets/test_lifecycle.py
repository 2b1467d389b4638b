"""tickets/lifecycle.py: the table of status transitions."""

from tickets.lifecycle import TRANSITIONS, Status


def test_the_lifecycle_table_covers_every_status():
    assert set(TRANSITIONS) == set(Status.values)
