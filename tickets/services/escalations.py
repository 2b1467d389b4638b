"""Supervisors acknowledging the escalations in their queue."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from departments.models import SUPERVISING_ROLES
from departments.selectors import user_has_role
from tickets.audit import EventDraft, audit_event_append
from tickets.models import Escalation, EventKind
from tickets.services.errors import ActionConflict, ActionForbidden
from tickets.services.locks import escalation_lock


@transaction.atomic
def escalation_acknowledge(*, actor: User, escalation_id: int) -> Escalation:
    """A supervisor (or department admin) of the escalation's notify department takes it off the queue."""
    escalation = escalation_lock(actor=actor, escalation_id=escalation_id)
    if not user_has_role(user=actor, department_id=escalation.notify_department_id, roles=SUPERVISING_ROLES):
        raise ActionForbidden("Only a supervisor of the escalated department may acknowledge it.")
    if escalation.acknowledged_at is not None:
        raise ActionConflict("already_acknowledged", "This escalation was already acknowledged.")
    escalation.acknowledged_by, escalation.acknowledged_at = actor, timezone.now()
    escalation.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit_event_append(
        EventDraft(
            EventKind.ESCALATION_ACKNOWLEDGED,
            escalation.ticket_id,
            actor.pk,
            {"escalation_id": escalation.pk, "level": escalation.level, "reason": escalation.reason},
        )
    )
    return escalation
