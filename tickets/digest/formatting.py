"""Figures and dates as the digest prints them, in the Indian way in both languages: 1,23,456 and
30 November 2026 (30 नवंबर 2026)."""

from datetime import date

from django.utils.translation import gettext


def indian_number(value: int) -> str:
    """An integer in the Indian grouping: the last three digits, then pairs (12,34,567)."""
    sign, digits = ("-", str(-value)) if value < 0 else ("", str(value))
    if len(digits) <= 3:
        return sign + digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        head, pair = head[:-2], head[-2:]
        pairs.insert(0, pair)
    return sign + ",".join([head, *pairs, tail])


def _month_names() -> list[str]:
    # The project's Hindi month names (नवंबर) also replace Django's own (नवमबर) in its date formats.
    return [
        gettext("January"),
        gettext("February"),
        gettext("March"),
        gettext("April"),
        gettext("May"),
        gettext("June"),
        gettext("July"),
        gettext("August"),
        gettext("September"),
        gettext("October"),
        gettext("November"),
        gettext("December"),
    ]


def indian_date(day: date) -> str:
    """`day` as "30 November 2026", the month named in the active language."""
    return f"{day.day} {_month_names()[day.month - 1]} {day.year}"
