"""Triage by hand: an officer changes a ticket's priority or category; department admins edit the
rules that set them at intake (tickets.triage.rules).

Rules are departments' configuration, saved like the others (departments.services: the admin's
right on the rule's department before and after, a CONFIG_CHANGED event with each changed field);
they live here because tickets depend on departments, never the reverse. The matcher intake
builds is kept by the rules' content, so a saved rule counts from the next batch on.

Categories are a ministry's own or shared (no ministry): a ticket, rule or incident takes only the
shared ones and its ministry's; a ministry's admins edit their ministry's, superusers every one.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from departments.models import Department
from departments.selectors import department_administered_by, department_subtree_ids_sql, user_is_ministry_admin_of
from departments.services import config_delete, config_save
from tickets.audit import audit_event_append, audit_events_append
from tickets.events.configuration import config_changed_event
from tickets.events.ticket import ticket_triage_changed_event
from tickets.lifecycle import Priority
from tickets.models import OTHER_CATEGORY, Category, Incident, Ticket, TriageRule
from tickets.selectors import category_administered_by, category_list_for
from tickets.services.errors import TicketActionError
from tickets.services.locks import ticket_lock
from tickets.services.permissions import check_can_work
from tickets.sla.services import ticket_sla_retarget
from tickets.triage.matching import Cue
from tickets.triage.rules import REASON_MAX_LENGTH, cue_phrases

# --- Changing a ticket's triage ----------------------------------------------------------------


def category_code_for(*, category: Category | str | None, department_id: int) -> str | None:
    """The category to store on a ticket or incident of `department_id`: its code, or None for
    "other" (null means other). Only a shared one or one of the department's ministry will do; to
    the caller another ministry's is as unknown as one that does not exist (nothing of a ministry
    is shown to another's staff)."""
    code = category.code if isinstance(category, Category) else (category or "").strip()
    if not code or code == OTHER_CATEGORY:
        return None
    if not category_list_for(department_id=department_id).filter(code=code).exists():
        message = _("No such category in this ministry: choose a shared one or one of its own.")
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
    category_id = category_code_for(category=category, department_id=locked.department_id)
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


def triage_rule_check(
    *, actor: User, department: Department, cues: str, category: Category, triage_rule_id: int | None = None
) -> None:
    """Whether the rule can be saved: the actor administers its department (checked again by the
    save), its category is shared or of the department's ministry, and every cue line has a word to
    match (not only punctuation)."""
    errors = {}
    if not department_administered_by(actor=actor, department=department):
        errors["department"] = _("You do not administer %(code)s.") % {"code": department.code}
    elif not category_list_for(department_id=department.pk).filter(code=category.code).exists():
        errors["category"] = _(
            "“%(category)s” is another ministry's category; choose a shared one or one of %(code)s's ministry."
        ) % {"category": category.name_in(get_language()), "code": department.code}
    phrases = cue_phrases(cues or "")
    unusable = [phrase for phrase in phrases if not Cue(phrase, None).words]
    if not phrases:
        errors["cues"] = _("Give at least one word or phrase, one per line.")
    elif unusable:
        errors["cues"] = _("These lines have no word to match: %(lines)s") % {"lines": ", ".join(unusable)}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def triage_rule_save(*, actor: User, triage_rule: TriageRule) -> TriageRule:
    """Add or change a rule of a department the actor administers (CONFIG_CHANGED)."""
    triage_rule.cues = "\n".join(cue_phrases(triage_rule.cues or ""))

    def check():
        triage_rule_check(
            actor=actor,
            department=triage_rule.department,
            cues=triage_rule.cues,
            category=triage_rule.category,
            triage_rule_id=triage_rule.pk,
        )

    return config_save(actor=actor, instance=triage_rule, check=check)


@transaction.atomic
def triage_rule_delete(*, actor: User, triage_rule: TriageRule) -> None:
    config_delete(actor=actor, instance=triage_rule)


# --- Categories: a ministry's own, or shared by every ministry ------------------------------------


def _category_values(category: Category) -> dict:
    return {"name_en": category.name_en, "name_hi": category.name_hi, "ministry_id": category.ministry_id}


def _not_yours() -> PermissionDenied:
    return PermissionDenied(_("Only a superuser edits shared categories; a ministry's admin edits their ministry's."))


def category_check(*, actor: User, code: str, ministry: Department | None) -> None:
    """Whether category `code` may be saved as `ministry`'s (None: shared): a shared one is a
    superuser's to make, a ministry's an admin's of that ministry (on its root); and a category may
    not become one ministry's while another ministry's rules, incidents or tickets use it."""
    if ministry is None:
        if not actor.is_superuser:
            message = _("Only a superuser makes a category shared by every ministry.")
            raise ValidationError({"ministry": message})
        return
    if ministry.parent_id is not None:
        raise ValidationError({"ministry": _("A ministry is a root of the department tree.")})
    if not user_is_ministry_admin_of(user=actor, ministry_ids=[ministry.pk]):
        raise ValidationError({"ministry": _("You do not administer %(code)s.") % {"code": ministry.code}})
    stored = Category.objects.filter(pk=code).first() if code else None
    if stored is None or stored.ministry_id == ministry.pk:
        return  # new, or already this ministry's: nobody else's can use it
    subtree = department_subtree_ids_sql(department_id=ministry.pk)
    # Tickets hold no index on their category: a scan, but only when a category changes ministry.
    elsewhere = (
        TriageRule.objects.filter(category_id=code).exclude(department_id__in=subtree).exists()
        or Incident.objects.filter(category_id=code).exclude(department_id__in=subtree).exists()
        or Ticket.objects.filter(category_id=code).exclude(department_id__in=subtree).exists()
    )
    if elsewhere:
        message = _(
            "Another ministry's rules, incidents or tickets use this category, so it cannot be this one's alone."
        )
        raise ValidationError({"ministry": message})


@transaction.atomic
def category_save(*, actor: User, category: Category) -> Category:
    """Add or change a category (CONFIG_CHANGED): a shared one superusers only, since every
    ministry's rules and tickets use it; a ministry's one that ministry's admins too."""
    stored = Category.objects.select_for_update().filter(pk=category.pk).first()
    if stored is not None and not category_administered_by(actor=actor, category=stored):
        raise _not_yours()
    category_check(actor=actor, code=category.pk, ministry=category.ministry)
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
    """Delete a category no rule, ticket or incident uses (they protect it): a shared one superusers
    only, a ministry's one that ministry's admins too."""
    stored = Category.objects.select_for_update().get(pk=category.pk)
    if not category_administered_by(actor=actor, category=stored):
        raise _not_yours()
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
