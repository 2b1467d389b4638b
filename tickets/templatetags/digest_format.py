"""The digest's figures in templates: {{ count|indian_number }}, {{ day|indian_date }}, {{ unit|name_in:language }}."""

from django import template

from tickets.digest import formatting

register = template.Library()


@register.filter
def indian_number(value) -> str:
    return formatting.indian_number(int(value or 0))


@register.filter
def indian_date(value) -> str:
    return formatting.indian_date(value) if value else ""


@register.filter
def name_in(value, language: str) -> str:
    """A department's (or a digest row's) name in `language`: {{ unit|name_in:language }}."""
    return value.name_in(language)
