"""`{% installation_name %}`: whom the installation serves, in the page's language, for the pages
that are no one ministry's (sign-in, the public status page). One installation serves several
ministries (DESIGN.md, "Organisations"), so these pages name none of them."""

from django import template
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from departments.models import department_name_in

register = template.Library()


@register.simple_tag
def installation_name() -> str:
    if not settings.SEVA_INSTALLATION_NAME:
        return _("Government of India")
    return department_name_in(
        get_language(), name_en=settings.SEVA_INSTALLATION_NAME, name_hi=settings.SEVA_INSTALLATION_NAME_HI
    )
