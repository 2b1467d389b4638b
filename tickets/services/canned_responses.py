"""Supervisors writing their department's canned responses."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import SUPERVISING_ROLES, CannedResponse
from departments.selectors import department_ids_in_scope_sql, user_has_role
from tickets.selectors import department_find
from tickets.services.errors import ActionForbidden, ObjectNotFound, TicketActionError
from tickets.services.locks import MAX_ID

EDITABLE_FIELDS = ("title", "text_en", "text_hi", "is_active")


def _check_supervises(*, actor: User, department_id: int) -> None:
    if not user_has_role(user=actor, department_id=department_id, roles=SUPERVISING_ROLES):
        raise ActionForbidden(_("Only a supervisor of the department may write its canned responses."))


def _title_taken() -> TicketActionError:
    message = _("The department already has a canned response with this title.")
    return TicketActionError("title_taken", message, {"title": [message]})


def _save_unique(response: CannedResponse, **save_options) -> None:
    try:
        with transaction.atomic():
            response.save(**save_options)
    except IntegrityError as exc:
        raise _title_taken() from exc


@transaction.atomic
def canned_response_create(
    *, actor: User, department_code: str, title: str, text_en: str, text_hi: str = ""
) -> CannedResponse:
    department = department_find(code=department_code)
    if department is None or not department.is_active:
        raise TicketActionError(
            "invalid_department", _("No active department has this code."), {"department": [_("Unknown department.")]}
        )
    _check_supervises(actor=actor, department_id=department.pk)
    response = CannedResponse(
        department=department, title=title.strip(), text_en=text_en.strip(), text_hi=text_hi.strip()
    )
    _save_unique(response)
    return response


@transaction.atomic
def canned_response_update(*, actor: User, canned_response_id: int, changes: dict) -> CannedResponse:
    """Change some of EDITABLE_FIELDS of a response in the actor's scope (404 outside it)."""
    responses = CannedResponse.objects.select_related("department")
    if not actor.is_superuser:
        responses = responses.filter(department_id__in=department_ids_in_scope_sql(user=actor))
    response = (
        responses.select_for_update(of=("self",)).filter(pk=canned_response_id).first()
        if 0 < canned_response_id <= MAX_ID
        else None
    )
    if response is None:
        raise ObjectNotFound(_("No such canned response."))
    _check_supervises(actor=actor, department_id=response.department_id)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(response, name, value.strip() if isinstance(value, str) else value)
    if changes:
        _save_unique(response, update_fields=list(changes))
    return response
