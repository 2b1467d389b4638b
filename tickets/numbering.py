"""Ticket numbers a person can read out on the phone: `<PREFIX>-<YYMM>-<sequence>`."""

import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

INDIA = ZoneInfo("Asia/Kolkata")
# What format_number can produce: a prefix (the department's ticket prefix, else its code), the
# YYMM, and the sequence, six digits and wider past 999999. Anything else is no ticket.
TICKET_NUMBER = re.compile(r"[A-Z0-9_]{1,16}-\d{4}-\d{6,10}")


def ticket_number_is_valid(number: str) -> bool:
    """Whether `number` has the shape of a ticket number (checked before a lookup, so a path full of
    odd characters is a plain 404)."""
    return TICKET_NUMBER.fullmatch(number) is not None


def ticket_number_normalised(text: str) -> str:
    """A ticket number as a citizen may type it (any case, stray spaces) in its stored form."""
    return "".join(text.split()).upper()


def number_period(moment: datetime) -> str:
    """The YYMM of a moment, in India's time (a ticket at 00:30 IST on the 1st is that month's)."""
    return moment.astimezone(INDIA).strftime("%y%m")


def format_number(prefix: str, period: str, value: int) -> str:
    return f"{prefix}-{period}-{value:06d}"


def ticket_numbers_allocate(cursor, *, requests: Sequence[tuple[str, datetime]]) -> list[str]:
    """One number per (prefix, moment), in order, with one statement for the whole batch.

    The counter rows stay locked until the caller's transaction ends, so two batches never hand
    out the same number, and a rolled-back batch gives its numbers back.
    """
    keys = [(prefix, number_period(moment)) for prefix, moment in requests]
    wanted = Counter(keys)
    pairs = sorted(wanted)
    cursor.execute(
        """
        INSERT INTO tickets_ticketsequence (prefix, period, last_value)
        SELECT * FROM unnest(%s::text[], %s::text[], %s::int[])
        ON CONFLICT (prefix, period) DO UPDATE SET last_value = tickets_ticketsequence.last_value + EXCLUDED.last_value
        RETURNING prefix, period, last_value
        """,
        [[p for p, _ in pairs], [q for _, q in pairs], [wanted[k] for k in pairs]],
    )
    next_value = {(prefix, period): last - wanted[(prefix, period)] for prefix, period, last in cursor.fetchall()}
    numbers = []
    for key in keys:
        next_value[key] += 1
        numbers.append(format_number(key[0], key[1], next_value[key]))
    return numbers
