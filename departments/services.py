"""Writes to the department tree, its staff and its routing configuration.

Each write checks the actor's right, makes the change and appends its audit event in the same
transaction: ROLE_GRANTED / ROLE_CHANGED / ROLE_REVOKED for memberships (who gave which role in
which department to whom), CONFIG_CHANGED for departments, hashtags, official accounts and
routing rules (model, object, action and each changed field as [old, new]). The SLA calendars and
policies are saved by tickets.sla.services through the same `config_save` / `config_delete`.

The `*_check` functions raise a ValidationError keyed by field. The admin's forms run them first,
so a refusal is a form error; the services run them again, so no other caller skips them.
Rights: a superuser may do everything. Anyone else acts only inside the subtree they administer,
manages only the users `user_list_manageable` gives them, and may not take a name that routes the
tweets of a department outside it (hashtag, handle, keyword, ticket prefix) or a citizen's account;
only a superuser or a ministry's admin (of a root department) marks the minister's account.
"""

import re
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from departments.models import BusinessCalendar, Department, Hashtag, Membership, OfficialAccount, Role, RoutingRule
from departments.selectors import (
    department_administered_by,
    department_descendant_ids,
    department_ids_in_scope_sql,
    department_ministry_ids,
    user_is_ministry_admin_of,
    user_list_manageable,
)
from seva.locks import AdvisoryLock, advisory_xact_lock
from tickets.audit import EventDraft, audit_events_append
from tickets.events.account import (
    duty_changed_event,
    role_changed_event,
    role_granted_event,
    role_revoked_event,
)
from tickets.events.configuration import config_changed_event
from tickets.models import Ticket

X_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")  # X's rule for usernames


def require_administers(*, actor: User, department: Department) -> None:
    if not department_administered_by(actor=actor, department=department):
        raise PermissionDenied(_("You do not administer %(code)s.") % {"code": department.code})


def _not_yours(department: Department) -> str:
    return _("You administer only your own department and its units; %(code)s is not one of them.") % {
        "code": department.code
    }


def _outside_scope(*, actor: User) -> models.QuerySet[Department]:
    """The departments `actor` does not administer (nothing for a superuser)."""
    if actor.is_superuser:
        return Department.objects.none()
    return Department.objects.exclude(id__in=department_ids_in_scope_sql(user=actor, roles=[Role.DEPARTMENT_ADMIN]))


# --- Memberships and staff accounts -----------------------------------------------------------


def membership_check(
    *, actor: User, user: User, department: Department, role: str, membership_id: int | None = None
) -> None:
    """Whether `actor` may give `user` the role `role` on `department` (or change membership
    `membership_id` to that)."""
    errors: dict[str, str] = {}
    if not department_administered_by(actor=actor, department=department):
        errors["department"] = _not_yours(department)
    if role not in Role.values:
        errors["role"] = _("Unknown role.")
    stored = Membership.objects.filter(pk=membership_id).first() if membership_id else None
    if stored is None and not user_list_manageable(actor=actor).filter(pk=user.pk).exists():
        errors["user"] = _(
            "You may grant roles only to staff of your own department and its units "
            "(no superusers, no staff of other departments)."
        )
    if stored is not None and stored.user_id != user.pk:
        errors["user"] = _("A membership stays with its user: revoke it and grant a new one.")
    duplicate = Membership.objects.filter(user_id=user.pk, department=department, role=role).exclude(pk=membership_id)
    if not errors and duplicate.exists():
        errors["role"] = _("%(user)s already holds this role on %(code)s.") % {"user": user, "code": department.code}
    if errors:
        raise ValidationError(errors)


def _membership_insert(*, actor: User, user: User, department: Department, role: str, on_duty: bool) -> Membership:
    membership = Membership.objects.create(user=user, department=department, role=role, on_duty=on_duty)
    audit_events_append([role_granted_event(actor_id=actor.pk, membership=membership)])
    return membership


@transaction.atomic
def membership_grant(
    *, actor: User, user: User, department: Department, role: str, on_duty: bool = True
) -> Membership:
    require_administers(actor=actor, department=department)
    membership_check(actor=actor, user=user, department=department, role=role)
    return _membership_insert(actor=actor, user=user, department=department, role=role, on_duty=on_duty)


@transaction.atomic
def membership_change(
    *, actor: User, membership: Membership, department: Department, role: str, on_duty: bool
) -> Membership:
    """Move membership `membership` (by its id; its user stays) to `department`, `role`, `on_duty`."""
    stored = Membership.objects.select_for_update().select_related("user", "department").get(pk=membership.pk)
    require_administers(actor=actor, department=stored.department)
    require_administers(actor=actor, department=department)
    membership_check(actor=actor, user=stored.user, department=department, role=role, membership_id=stored.pk)
    previous_department, previous_role, previous_on_duty = stored.department, stored.role, stored.on_duty
    stored.department, stored.role, stored.on_duty = department, role, on_duty
    stored.save(update_fields=["department", "role", "on_duty"])
    event = role_changed_event(
        actor_id=actor.pk,
        membership=stored,
        previous_department=previous_department,
        previous_role=previous_role,
        previous_on_duty=previous_on_duty,
    )
    audit_events_append([event] if event else [])
    return stored


def _membership_delete(*, actor: User, membership: Membership) -> None:
    event = role_revoked_event(actor_id=actor.pk, membership=membership)  # while it has its id
    membership.delete()
    audit_events_append([event])


@transaction.atomic
def membership_revoke(*, actor: User, membership: Membership) -> None:
    stored = Membership.objects.select_for_update().select_related("user", "department").get(pk=membership.pk)
    require_administers(actor=actor, department=stored.department)
    _membership_delete(actor=actor, membership=stored)


@transaction.atomic
def membership_duty_set(*, actor: User, on_duty: bool) -> int:
    """An officer goes on or off duty: every officer membership of theirs (automatic assignment gives
    tickets only to officers on duty), with a DUTY_CHANGED event when that changed anything. Returns
    how many memberships changed. PermissionDenied for someone who is no officer anywhere."""
    memberships = list(
        Membership.objects.select_for_update(of=("self",))
        .select_related("department")
        .filter(user_id=actor.pk, role=Role.OFFICER)
        .order_by("id")
    )
    if not actor.is_active or not memberships:
        raise PermissionDenied(_("Only officers go on and off duty."))
    changed = [membership for membership in memberships if membership.on_duty != on_duty]
    if not changed:
        return 0
    Membership.objects.filter(pk__in=[membership.pk for membership in changed]).update(on_duty=on_duty)
    audit_events_append(
        [
            duty_changed_event(
                actor_id=actor.pk,
                user_id=actor.pk,
                username=actor.get_username(),
                on_duty=on_duty,
                memberships=changed,
            )
        ]
    )
    return len(changed)


def staff_user_check(*, actor: User, department: Department | None, role: str | None) -> None:
    """A department admin creates a user together with their first role in their subtree, so the
    new account is theirs to manage (and nobody's orphan) from the moment it exists."""
    if actor.is_superuser and department is None and not role:
        return
    errors = {}
    if department is None:
        errors["department"] = _("Choose the department or unit the new staff member works in.")
    elif not department_administered_by(actor=actor, department=department):
        errors["department"] = _not_yours(department)
    if role not in Role.values:
        errors["role"] = _("Choose the new staff member's role.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def staff_user_create(*, actor: User, user: User, department: Department | None, role: str | None) -> User:
    """Save the new `user` (password already set) and grant them `role` on `department`."""
    if not actor.is_superuser and (user.is_superuser or user.is_staff):
        raise PermissionDenied(_("Only a ministry admin may create superusers."))
    if department is not None:
        require_administers(actor=actor, department=department)
    staff_user_check(actor=actor, department=department, role=role)
    user.save()
    if department is not None:
        _membership_insert(actor=actor, user=user, department=department, role=role, on_duty=True)
    return user


@transaction.atomic
def staff_user_delete(*, actor: User, user: User) -> None:
    """Delete a staff account; each of its roles is revoked with its event first."""
    if not user_list_manageable(actor=actor).filter(pk=user.pk).exists():
        raise PermissionDenied(_("This account is not yours to manage."))
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    for membership in Membership.objects.select_for_update().select_related("user", "department").filter(user=locked):
        _membership_delete(actor=actor, membership=membership)
    locked.delete()


# --- Configuration: CONFIG_CHANGED with every changed field ------------------------------------
# Public: the SLA configuration's services (tickets.sla.services) save calendars and policies
# through the same right check and event.

Related = dict[str, dict[str, list]]  # rows saved with an object, see config_changed_event


def config_values(instance: models.Model) -> dict:
    """`instance`'s stored fields by column name, as CONFIG_CHANGED records them."""
    return {
        field.attname: field.value_from_object(instance)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }


def config_row(row: models.Model, *, parent: str) -> dict:
    """A row saved with its object (a calendar's period), as `related` lists it: its id and its
    fields but the `parent` link."""
    values = config_values(row)
    del values[parent]
    return {"id": row.pk, **values}


def business_calendar_rows_removed(calendar: BusinessCalendar) -> Related:
    """A calendar's periods and holidays as the `related` of its delete event (they go with it)."""
    return {
        relation: {"added": [], "changed": [], "removed": [config_row(row, parent="calendar_id") for row in rows]}
        for relation, rows in (("periods", list(calendar.periods.all())), ("holidays", list(calendar.holidays.all())))
        if rows
    }


def config_event(
    *,
    actor: User,
    instance: models.Model,
    object_id: int,
    label: str,
    action: str,
    before,
    after,
    related: Related | None = None,
) -> EventDraft | None:
    """CONFIG_CHANGED for `instance` (field values `before` and `after`, None for the side that does
    not exist) and the rows `related` saved with it; None when nothing changed."""
    keys = (after or before).keys()
    changes = {
        key: [before[key] if before else None, after[key] if after else None]
        for key in keys
        if before is None or after is None or before[key] != after[key]
    }
    if not changes and not related:
        return None  # saved unchanged: nothing happened
    return config_changed_event(
        actor_id=actor.pk,
        model=instance._meta.label_lower,
        object_id=object_id,
        object_label=label,
        action=action,
        changes=changes,
        related=related or None,
    )


def config_save(
    *,
    actor: User,
    instance: models.Model,
    check: Callable[[], None] = lambda: None,
    save_related: Callable[[], Related] | None = None,
) -> models.Model:
    """Save `instance` (its new values set), after checking the actor's right on its department
    before and after, and record what changed. `save_related`, called once `instance` is saved,
    saves the rows that belong to it and says what it changed, for the same event."""
    model = type(instance)
    stored = model.objects.select_for_update().get(pk=instance.pk) if instance.pk else None
    if stored is not None:
        require_administers(actor=actor, department=stored.department)
    require_administers(actor=actor, department=instance.department)
    check()
    before = config_values(stored) if stored is not None else None
    instance.save()
    event = config_event(
        actor=actor,
        instance=instance,
        object_id=instance.pk,
        label=str(instance),
        action="change" if stored is not None else "add",
        before=before,
        after=config_values(instance),
        related=save_related() if save_related else None,
    )
    audit_events_append([event] if event else [])
    return instance


def config_delete(
    *, actor: User, instance: models.Model, related: Callable[[models.Model], Related] | None = None
) -> None:
    """Delete `instance` after checking the actor's right on its department, and record it;
    `related` says which of its rows go with it (given the locked instance, before the delete)."""
    stored = type(instance).objects.select_for_update().get(pk=instance.pk)
    require_administers(actor=actor, department=stored.department)
    _config_delete_unchecked(actor=actor, instance=stored, related=related(stored) if related else None)


def _config_delete_unchecked(*, actor: User, instance: models.Model, related: Related | None = None) -> None:
    object_id, before, label = instance.pk, config_values(instance), str(instance)
    instance.delete()
    event = config_event(
        actor=actor,
        instance=instance,
        object_id=object_id,
        label=label,
        action="delete",
        before=before,
        after=None,
        related=related,
    )
    audit_events_append([event])


def _names_another_department(*, actor: User, name: str) -> Department | None:
    """The department outside `actor`'s subtree whose code, ticket prefix or X handle is `name`:
    a hashtag so named would beat that department's own mentions (hashtags route first)."""
    outside = _outside_scope(actor=actor)
    by_name = outside.filter(Q(code__iexact=name) | Q(ticket_prefix__iexact=name)).first()
    if by_name is not None:
        return by_name
    account = OfficialAccount.objects.filter(handle__iexact=name, department__in=outside).first()
    return account.department if account else None


def hashtag_check(*, actor: User, tag: str, department: Department, hashtag_id: int | None = None) -> None:
    errors = {}
    if not department_administered_by(actor=actor, department=department):
        errors["department"] = _not_yours(department)
    taken = Hashtag.objects.filter(tag__iexact=tag).exclude(pk=hashtag_id).select_related("department").first()
    if taken is not None:
        errors["tag"] = _("#%(tag)s is already the hashtag of %(code)s.") % {
            "tag": taken.tag,
            "code": taken.department.code,
        }
    elif named := _names_another_department(actor=actor, name=tag):
        errors["tag"] = _("#%(tag)s names %(code)s, which you do not administer.") % {
            "tag": tag,
            "code": named.code,
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def hashtag_save(*, actor: User, hashtag: Hashtag) -> Hashtag:
    def check():
        hashtag_check(actor=actor, tag=hashtag.tag, department=hashtag.department, hashtag_id=hashtag.pk)

    return config_save(actor=actor, instance=hashtag, check=check)


@transaction.atomic
def hashtag_delete(*, actor: User, hashtag: Hashtag) -> None:
    config_delete(actor=actor, instance=hashtag)


def _is_a_citizen(*, handle: str, x_user_id: str) -> bool:
    """Whether the account has opened a ticket (the admin's occasional check may scan tickets)."""
    fits = (x_user_id or "").isdigit() and int(x_user_id) < 2**63  # the column is a bigint
    by_id = Q(citizen_x_user_id=int(x_user_id)) if fits else Q(pk__in=[])
    return Ticket.objects.filter(by_id | Q(citizen_handle__iexact=handle)).exists()


def official_account_check(
    *,
    actor: User,
    handle: str,
    x_user_id: str,
    department: Department,
    is_minister: bool,
    official_account_id: int | None = None,
) -> None:
    """An official account's posts are never tickets, and the minister's account names no
    department: so a handle is one department's only, and only the ministry marks the minister."""
    errors = {}
    if not department_administered_by(actor=actor, department=department):
        errors["department"] = _not_yours(department)
    others = OfficialAccount.objects.exclude(pk=official_account_id).select_related("department")
    stored = OfficialAccount.objects.filter(pk=official_account_id).first() if official_account_id else None
    renamed = stored is None or stored.handle.lower() != (handle or "").lower() or stored.x_user_id != x_user_id
    if not X_HANDLE.fullmatch(handle or ""):
        errors["handle"] = _("An X handle is up to 15 letters, digits or underscores, without the @.")
    elif taken := others.filter(handle__iexact=handle).first():
        errors["handle"] = _("@%(handle)s is already an official account of %(code)s.") % {
            "handle": taken.handle,
            "code": taken.department.code,
        }
    elif renamed and not actor.is_superuser and _is_a_citizen(handle=handle, x_user_id=x_user_id):
        # An official account's posts are never tickets: this citizen's next complaints would vanish.
        errors["handle"] = _(
            "This account has complained to the ministry as a citizen; only a superuser may register it."
        )
    if taken := others.filter(x_user_id=x_user_id).first():
        errors["x_user_id"] = _("This X user id is already @%(handle)s of %(code)s.") % {
            "handle": taken.handle,
            "code": taken.department.code,
        }
    was_minister = bool(
        official_account_id and OfficialAccount.objects.filter(pk=official_account_id, is_minister=True).exists()
    )
    if is_minister != was_minister and not _administers_ministry_of(actor=actor, department=department):
        errors["is_minister"] = _("Only a ministry admin marks the minister's account.")
    if errors:
        raise ValidationError(errors)


def _administers_ministry_of(*, actor: User, department: Department) -> bool:
    """Whether `actor` is an admin of the ministry `department` belongs to: a minister's account
    is its ministry's door, so another ministry's admin never marks or removes one."""
    if department is None or department.pk is None:
        return actor.is_superuser
    ministry_id = department_ministry_ids(department_ids=[department.pk]).get(department.pk)
    return ministry_id is not None and user_is_ministry_admin_of(user=actor, ministry_ids=[ministry_id])


@transaction.atomic
def official_account_save(*, actor: User, official_account: OfficialAccount) -> OfficialAccount:
    def check():
        official_account_check(
            actor=actor,
            handle=official_account.handle,
            x_user_id=official_account.x_user_id,
            department=official_account.department,
            is_minister=official_account.is_minister,
            official_account_id=official_account.pk,
        )

    return config_save(actor=actor, instance=official_account, check=check)


@transaction.atomic
def official_account_delete(*, actor: User, official_account: OfficialAccount) -> None:
    if official_account.is_minister and not _administers_ministry_of(
        actor=actor, department=official_account.department
    ):
        raise PermissionDenied(_("Only a ministry admin removes the minister's account."))
    config_delete(actor=actor, instance=official_account)


def routing_rule_check(
    *, actor: User, kind: str, pattern: str, department: Department, routing_rule_id: int | None = None
) -> None:
    errors = {}
    if not department_administered_by(actor=actor, department=department):
        errors["department"] = _not_yours(department)
    others = RoutingRule.objects.filter(pattern__iexact=(pattern or "").strip()).exclude(pk=routing_rule_id)
    if others.filter(kind=kind, department=department).exists():
        errors["pattern"] = _("%(code)s already has this rule.") % {"code": department.code}
    else:
        # A lower order number would take another department's word away from it. (Outside the
        # actor's subtree: nothing for a superuser; another ministry for a ministry's admin.)
        taken = others.filter(department__in=_outside_scope(actor=actor)).select_related("department").first()
        if taken is not None:
            errors["pattern"] = _(
                "“%(pattern)s” already routes to %(code)s; only its administrators may change that."
            ) % {
                "pattern": taken.pattern,
                "code": taken.department.code,
            }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def routing_rule_save(*, actor: User, routing_rule: RoutingRule) -> RoutingRule:
    def check():
        routing_rule_check(
            actor=actor,
            kind=routing_rule.kind,
            pattern=routing_rule.pattern,
            department=routing_rule.department,
            routing_rule_id=routing_rule.pk,
        )

    return config_save(actor=actor, instance=routing_rule, check=check)


@transaction.atomic
def routing_rule_delete(*, actor: User, routing_rule: RoutingRule) -> None:
    config_delete(actor=actor, instance=routing_rule)


# --- Departments --------------------------------------------------------------------------------


def department_check_parent(*, department: Department, parent: Department | None) -> None:
    """Refuse a parent that would make the tree a cycle (itself or one of its descendants)."""
    if parent is None or department.pk is None:
        return
    if parent.pk in department_descendant_ids(department_id=department.pk):
        raise ValidationError(
            {
                "parent": _("%(parent)s is below %(department)s: the tree would become a cycle.")
                % {"parent": parent.code, "department": department.code}
            }
        )


def department_check_prefix(*, department_id: int | None, code: str, ticket_prefix: str) -> None:
    """Ticket numbers start with the prefix (or the code): two departments sharing one would share
    a number sequence, and a number would not say whose ticket it is."""
    prefix = ticket_prefix or code
    clash = (
        Department.objects.exclude(pk=department_id)
        .filter(Q(ticket_prefix__iexact=prefix) | Q(ticket_prefix="", code__iexact=prefix))
        .first()
    )
    if clash is not None:
        field = "ticket_prefix" if ticket_prefix else "code"
        raise ValidationError(
            {
                field: _("Ticket numbers of %(code)s already start with %(prefix)s.")
                % {"code": clash.code, "prefix": prefix}
            }
        )


def department_check(
    *, actor: User, code: str, ticket_prefix: str, parent: Department | None, department_id: int | None = None
) -> None:
    errors = {}
    stored_parent_id = (
        Department.objects.filter(pk=department_id).values_list("parent_id", flat=True).first()
        if department_id
        else None
    )
    parent_changed = department_id is None or stored_parent_id != (parent.pk if parent else None)
    if (
        parent_changed
        and not actor.is_superuser
        and (parent is None or not department_administered_by(actor=actor, department=parent))
    ):
        # Only the ministry adds top-level departments, or moves one out from under another.
        errors["parent"] = _("Choose a parent among the departments you administer.")
    for check in (
        lambda: department_check_parent(department=Department(pk=department_id, code=code), parent=parent),
        lambda: department_check_prefix(department_id=department_id, code=code, ticket_prefix=ticket_prefix),
    ):
        try:
            check()
        except ValidationError as error:
            errors.update({field: messages[0] for field, messages in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)


def _lock_tree() -> None:
    # One tree-wide lock: two concurrent moves could otherwise build a cycle between them.
    advisory_xact_lock(AdvisoryLock.DEPARTMENT_TREE)


@transaction.atomic
def department_save(*, actor: User, department: Department) -> Department:
    _lock_tree()
    stored = Department.objects.select_for_update().get(pk=department.pk) if department.pk else None
    if stored is not None:
        require_administers(actor=actor, department=stored)
    else:
        require_administers(actor=actor, department=department)  # by its parent
    department_check(
        actor=actor,
        code=department.code,
        ticket_prefix=department.ticket_prefix,
        parent=department.parent,
        department_id=department.pk,
    )
    before = config_values(stored) if stored is not None else None
    department.save()
    event = config_event(
        actor=actor,
        instance=department,
        object_id=department.pk,
        label=str(department),
        action="change" if stored is not None else "add",
        before=before,
        after=config_values(department),
    )
    audit_events_append([event] if event else [])
    return department


@transaction.atomic
def department_delete(*, actor: User, department: Department) -> None:
    """Delete a department; its memberships, hashtags, rules, SLA policies and calendar go with it,
    each with its event (the calendar's periods and holidays in the calendar's)."""
    stored = Department.objects.select_for_update().get(pk=department.pk)
    require_administers(actor=actor, department=stored)
    for membership in stored.memberships.select_related("user", "department"):
        _membership_delete(actor=actor, membership=membership)
    for item in [
        *stored.hashtags.all(),
        *stored.routing_rules.select_related("department"),
        *stored.sla_policies.select_related("department"),
    ]:
        _config_delete_unchecked(actor=actor, instance=item)
    if (calendar := BusinessCalendar.objects.filter(department=stored).first()) is not None:
        _config_delete_unchecked(actor=actor, instance=calendar, related=business_calendar_rows_removed(calendar))
    _config_delete_unchecked(actor=actor, instance=stored)
