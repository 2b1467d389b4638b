"""The workspace header's user part: `{% staff_header as header %}` reads, in one query, whether the
signed-in user is on duty, whether the dashboard and reports are theirs, and their ministries;
`{% duty_toggle header.on_duty %}` draws the officer's on/off duty switch (nothing for someone who
is no officer)."""

from django import template

from departments.selectors import StaffHeader, staff_header

register = template.Library()


@register.simple_tag(takes_context=True, name="staff_header")
def staff_header_tag(context) -> StaffHeader | None:
    user = context.get("user")
    return staff_header(user=user) if user is not None else None


@register.inclusion_tag("workspace/_duty_toggle.html", takes_context=True)
def duty_toggle(context, on_duty: bool | None) -> dict:
    request = context.get("request")
    # Back to this page after the switch (without JavaScript); a page drawn for a POST is not one to GET.
    here = request.get_full_path() if request is not None and request.method == "GET" else ""
    return {"on_duty": on_duty, "csrf_token": context.get("csrf_token"), "next": here}
