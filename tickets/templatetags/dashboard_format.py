"""Figures as India writes them: the lakh and crore grouping (1,23,456), in English and Hindi alike."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def indian_grouping(value: int) -> str:
    digits = str(abs(value))
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while head:
        groups.insert(0, head[-2:])
        head = head[:-2]
    grouped = ",".join([*groups, tail]) if groups else tail
    return f"-{grouped}" if value < 0 else grouped


@register.filter
def indian(value) -> str:
    """1234567 -> "12,34,567"; a float keeps one decimal (98.5); None is a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        whole, _, fraction = f"{abs(value):.1f}".partition(".")
        return f"{'-' if value < 0 else ''}{indian_grouping(int(whole))}.{fraction}"
    return indian_grouping(int(value))


@register.filter
def hours_minutes(seconds) -> str:
    """Business seconds as hours and minutes ("12 h 05 min"), hours in Indian grouping; None is a dash."""
    if seconds is None:
        return "—"
    minutes = round(int(seconds) / 60)
    return _("%(hours)s h %(minutes)02d min") % {"hours": indian_grouping(minutes // 60), "minutes": minutes % 60}
