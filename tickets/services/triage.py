"""Triage by hand: an officer changes a ticket's priority or category; department admins edit the
rules that set them at intake (tickets.triage.rules).

Rules are departments' configuration, saved like the others (departments.services: the admin's
right on the rule's department before and after, a CONFIG_CHANGED event with each changed field);
they live here because tickets depend on departments, never the reverse. The matcher intake
builds is kept by the rules' content, so a saved rule counts from the next batch on.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import Department
from departments.selectors import department_administered_by
from departments.services import config_delete, config_save
from tickets.audit import audit_event_append, audit_events_append
from tickets.events.configuration import config_changed_event
from tickets.events.ticket import ticket_triage_changed_event
from tickets.lifecycle import Priority
from tickets.models import OTHER_CATEGORY, Category, Ticket, TriageRule
from tickets.services.errors import TicketActionError
from tickets.services.locks import ticket_lock
from tickets.services.permissions import check_can_work
from tickets.sla.services import ticket_sla_retarget
from tickets.triage.matching import Cue
from tickets.triage.rules import REASON_MAX_LENGTH, cue_phrases

# --- Changing a ticket's triage ----------------------------------------------------------------


def _category_id(category: Category | str | None) -> str | None:
    """The stored category: a code, or None for "other" (null means other)."""
    code = category.code if isinstance(category, Category) else (category or "").strip()
    if not code or code == OTHER_CATEGORY:
        return None
    if not Category.objects.filter(code=code).exists():
        message = _("No such category.")
        raise TicketActionError("unknown_category", message, {"category": [message]})
    return code


@transaction.atomic
def ticket_triage_change(
    *, actor: User, ticket: Ticket | str, priority: str, category: Category | str | None, reason: str
) -> Ticket:
    """Set the ticket's priority and category, for `reason` (required; shown on the ticket as why).

    Officers, supervisors and department admins of the ticket's scope. The rule that set them at
    intake no longer answers for them; open tickets' due times follow the new priority, from the
    ticket's creation, the time the clock was paused kept. Changing nothing changes nothing.
    """
    number = ticket.number if isinstance(ticket, Ticket) else ticket
    reason = reason.strip()
    if priority not in Priority.values:
        message = _("One of p1, p2, p3, p4.")
        raise TicketActionError("invalid_priority", _("No such priority."), {"priority": [message]})
    if not reason:
        message = _("Say why the priority or category changes.")
        raise TicketActionError("reason_required", message, {"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("At most %(count)d characters.") % {"count": REASON_MAX_LENGTH}
        raise TicketActionError("reason_too_long", message, {"reason": [message]})
    locked = ticket_lock(actor=actor, number=number)
    check_can_work(actor=actor, ticket=locked)
    category_id = _category_id(category)
    if (locked.priority, locked.category_id) == (priority, category_id):
        return locked
    from_priority, from_category_id = locked.priority, locked.category_id
    locked.priority, locked.category_id = priority, category_id
    locked.triage_rule, locked.triage_reason = None, reason
    fields = ["priority", "category", "triage_rule", "triage_reason"]
    if priority != from_priority:
        fields += ticket_sla_retarget(ticket=locked, from_priority=from_priority)
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*fields, "updated_at"])
    audit_event_append(
        ticket_triage_changed_event(
            ticket_id=locked.id,
            actor_id=actor.pk,
            from_priority=from_priority,
            to_priority=priority,
            from_category_id=from_category_id,
            to_category_id=category_id,
            reason=reason,
        )
    )
    return locked


# --- The rules ----------------------------------------------------------------------------------


def triage_rule_check(*, actor: User, department: Department, cues: str, triage_rule_id: int | None = None) -> None:
    """Whether the rule can be saved: the actor administers its department (checked again by the
    save) and every cue line has a word to match (not only punctuation)."""
    errors = {}
    if not department_administered_by(actor=actor, department=department):
        errors["department"] = _gettext("You do not administer %(code)s.") % {"code": department.code}
    phrases = cue_phrases(cues or "")
    unusable = [phrase for phrase in phrases if not Cue(phrase, None).words]
    if not phrases:
        errors["cues"] = _gettext("Give at least one word or phrase, one per line.")
    elif unusable:
        errors["cues"] = _gettext("These lines have no word to match: %(lines)s") % {"lines": ", ".join(unusable)}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def triage_rule_save(*, actor: User, triage_rule: TriageRule) -> TriageRule:
    """Add or change a rule of a department the actor administers (CONFIG_CHANGED)."""
    triage_rule.cues = "\n".join(cue_phrases(triage_rule.cues or ""))

    def check():
        triage_rule_check(
            actor=actor, department=triage_rule.department, cues=triage_rule.cues, triage_rule_id=triage_rule.pk
        )

    return config_save(actor=actor, instance=triage_rule, check=check)


@transaction.atomic
def triage_rule_delete(*, actor: User, triage_rule: TriageRule) -> None:
    config_delete(actor=actor, instance=triage_rule)


# --- Categories (the ministry's list, shared by every department) --------------------------------


def _category_values(category: Category) -> dict:
    return {"name_en": category.name_en, "name_hi": category.name_hi}


@transaction.atomic
def category_save(*, actor: User, category: Category) -> Category:
    """Add or rename a category: superusers only, since every department's rules and tickets share it."""
    if not actor.is_superuser:
        raise PermissionDenied(_gettext("Only the ministry's administrators edit categories."))
    stored = Category.objects.select_for_update().filter(pk=category.pk).first()
    before = _category_values(stored) if stored is not None else None
    category.save()
    after = _category_values(category)
    changes = {key: [before[key] if before else None, value] for key, value in after.items()}
    changes = {key: change for key, change in changes.items() if change[0] != change[1]}
    if changes:
        audit_events_append(
            [
                config_changed_event(
                    actor_id=actor.pk,
                    model=Category._meta.label_lower,
                    object_id=category.pk,
                    object_label=str(category),
                    action="change" if stored is not None else "add",
                    changes=changes,
                )
            ]
        )
    return category


@transaction.atomic
def category_delete(*, actor: User, category: Category) -> None:
    """Delete a category no rule, ticket or incident uses (they protect it)."""
    if not actor.is_superuser:
        raise PermissionDenied(_gettext("Only the ministry's administrators edit categories."))
    stored = Category.objects.select_for_update().get(pk=category.pk)
    event = config_changed_event(
        actor_id=actor.pk,
        model=Category._meta.label_lower,
        object_id=stored.pk,
        object_label=str(stored),
        action="delete",
        changes={key: [value, None] for key, value in _category_values(stored).items()},
    )
    stored.delete()
    audit_events_append([event])
