"""What Seva Desk posts to citizens by itself."""

import pytest

from tickets.citizen_texts import resolved_text
from tickets.post_text import reply_thread_parts


@pytest.mark.parametrize("language", ["en", "hi"])
def test_no_part_of_two_long_resolution_notices_is_the_same_post(language):
    # X refuses a post whose text the account has posted before: a thread part that is the same
    # for every ticket (the rating request) would fail for every citizen after the first.
    note = "टावर ठीक कर दिया है। " * 5  # long enough that the rating request is a post of its own
    first = reply_thread_parts(resolved_text(number="BSNL-2612-000001", note=note, language=language))
    second = reply_thread_parts(resolved_text(number="BSNL-2612-000002", note=note, language=language))
    assert len(first) > 1
    assert set(first).isdisjoint(second)
