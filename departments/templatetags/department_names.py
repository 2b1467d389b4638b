"""`{{ department|name_in:LANGUAGE_CODE }}`: a department's name in the page's language
(`Department.name_in`: the Hindi name where one is set, else the English one)."""

from django import template

from departments.models import Department

register = template.Library()


@register.filter
def name_in(department: Department, language: str | None) -> str:
    return department.name_in(language)
