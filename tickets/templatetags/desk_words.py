"""The words static/js/desk.js needs to tick the SLA countdowns: the phrases the server's labels use
(tickets.workspace.presenters), in the active language, as JSON in a meta element (not an inline
script, which the content security policy forbids)."""

import json

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def desk_words():
    words = {
        "dueIn": gettext("due in %(span)s"),
        "overdue": gettext("%(span)s overdue"),
        "minutes": gettext("%(minutes)d min"),
        "hoursMinutes": gettext("%(hours)d h %(minutes)d min"),
        "hours": gettext("%(hours)d h"),
        "daysHours": gettext("%(days)d d %(hours)d h"),
        "days": gettext("%(days)d d"),
    }
    return format_html('<meta name="desk-words" content="{}">', json.dumps(words, ensure_ascii=False))
