"""`{% duty_toggle %}`: the signed-in officer's on/off duty switch in the workspace header (nothing for
someone who is no officer). One query, only where the header is drawn."""

from django import template

from departments.selectors import user_on_duty

register = template.Library()


@register.inclusion_tag("workspace/_duty_toggle.html", takes_context=True)
def duty_toggle(context) -> dict:
    request = context.get("request")
    user = context.get("user")
    on_duty = user_on_duty(user=user) if user is not None else None
    # Back to this page after the switch (without JavaScript); a page drawn for a POST is not one to GET.
    here = request.get_full_path() if request is not None and request.method == "GET" else ""
    return {"on_duty": on_duty, "csrf_token": context.get("csrf_token"), "next": here}
