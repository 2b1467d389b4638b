"""Reads of the department tree and of what a user may do in it."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from departments.models import REPORTING_ROLES, SUPERVISING_ROLES, AssignmentMode, Department, Membership, Role
from departments.tree import ancestors_cte, subtree_cte

# Every (department, role) a user holds: a membership on D covers D and each descendant.
_MEMBERSHIPS_SQL = """SELECT m.department_id, m.role
      FROM departments_membership m
      JOIN departments_department d ON d.id = m.department_id
     WHERE m.user_id = %s AND d.is_active"""
_SCOPE_CTE = "WITH RECURSIVE " + subtree_cte("scope", seed=_MEMBERSHIPS_SQL, carry=["role"])


def _roles_filter(roles: Iterable[str] | None) -> tuple[str, list]:
    if roles is None:
        return "", []
    return " WHERE role = ANY(%s)", [list(roles)]


def department_ids_in_scope_sql(*, user, roles: Iterable[str] | None = None) -> RawSQL:
    """An SQL subquery of the department ids `user` holds one of `roles` on (any role if None).

    Use it as `field__in=department_ids_in_scope_sql(...)`; it is the one place scope is computed.
    """
    where, params = _roles_filter(roles)
    sql = _SCOPE_CTE + " SELECT id FROM scope" + where  # noqa: S608 - constants; values are params  # nosec B608
    return RawSQL(sql, [user.pk, *params])  # noqa: S611 - constant text  # nosec B611


def department_list_visible(*, user) -> QuerySet[Department]:
    """The departments a user can see. A superuser sees the whole tree."""
    departments = Department.objects.select_related("parent").order_by("code")
    if user.is_superuser:
        return departments
    return departments.filter(id__in=department_ids_in_scope_sql(user=user))


def department_roles(*, user) -> dict[int, set[str]]:
    """Which departments this user can see, with which roles: {department id: {role, ...}}."""
    if not user.is_authenticated:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_SCOPE_CTE + " SELECT id, role FROM scope", [user.pk])  # noqa: S608  # nosec B608
        roles: dict[int, set[str]] = {}
        for department_id, role in cursor.fetchall():
            roles.setdefault(department_id, set()).add(role)
    return roles


def user_has_role(*, user, department_id: int, roles: Iterable[str]) -> bool:
    """Whether `user` holds one of `roles` on `department_id` (directly or through an ancestor)."""
    if user.is_superuser:
        return True
    where, params = _roles_filter(roles)
    with connection.cursor() as cursor:
        cursor.execute(
            _SCOPE_CTE + " SELECT 1 FROM scope" + (where or " WHERE TRUE") + " AND id = %s LIMIT 1",  # noqa: S608  # nosec B608
            [user.pk, *params, department_id],
        )
        return cursor.fetchone() is not None


def user_is_department_admin(*, user) -> bool:
    """Whether the user may use the (scoped) Django admin at all."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.memberships.filter(role=Role.DEPARTMENT_ADMIN, department__is_active=True).exists()


def user_is_ministry_admin(*, user) -> bool:
    """A superuser, or a department admin of a root department, of any ministry (DESIGN.md: a
    membership on the ministry gives its whole tree, and nothing of another ministry's)."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.memberships.filter(
        role=Role.DEPARTMENT_ADMIN, department__is_active=True, department__parent__isnull=True
    ).exists()


_TOP = " SELECT DISTINCT ON (origin) origin, id FROM up ORDER BY origin, depth DESC"  # the root of each origin
_MINISTRY_OF_SQL = "WITH RECURSIVE " + ancestors_cte("up", ids="%s::bigint[]") + _TOP  # nosec B608
_MEMBERSHIPS_OF_USER = (
    "SELECT m.department_id FROM departments_membership m"
    " JOIN departments_department d ON d.id = m.department_id WHERE m.user_id = %s AND d.is_active"
)
_MEMBERSHIP_DEPARTMENTS = f"ARRAY({_MEMBERSHIPS_OF_USER})"
_ROLE_DEPARTMENTS = f"ARRAY({_MEMBERSHIPS_OF_USER} AND m.role = ANY(%s::text[]))"
_USER_MINISTRIES_SQL = "WITH RECURSIVE " + ancestors_cte("up", ids=_MEMBERSHIP_DEPARTMENTS) + _TOP  # nosec B608
_USER_MINISTRIES_BY_ROLE_SQL = "WITH RECURSIVE " + ancestors_cte("up", ids=_ROLE_DEPARTMENTS) + _TOP  # nosec B608
_MINISTRY_ID_SQL = (
    "WITH RECURSIVE " + ancestors_cte("up", ids="ARRAY[%s::bigint]") + " SELECT id FROM up ORDER BY depth DESC LIMIT 1"  # noqa: S608 - constant text  # nosec B608
)


def department_ministry_ids(*, department_ids: Collection[int]) -> dict[int, int]:
    """{department id: its ministry's id (the root above it, itself for a root)}, in one query."""
    if not department_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_MINISTRY_OF_SQL, [list(department_ids)])
        return dict(cursor.fetchall())


_NAMED = " SELECT d.id, d.name_en, d.name_hi FROM departments_department d WHERE d.id IN (SELECT id FROM tops)"
_TOPS = ", tops AS (" + _TOP + ")"
_MINISTRIES_NAMED_SQL = "WITH RECURSIVE " + ancestors_cte("up", ids="%s::bigint[]") + _TOPS + _NAMED + " ORDER BY d.id"  # nosec B608


def department_ministry_id_sql(*, department_id: int) -> RawSQL:
    """An SQL subquery of the ministry of `department_id` (the root above it, itself for a root),
    for `field__in=...`: one statement with the rows it filters."""
    return RawSQL(_MINISTRY_ID_SQL, [department_id])  # noqa: S611 - constant text  # nosec B611


def department_ministries(*, department_ids: Collection[int]) -> list[dict]:
    """The ministries (roots) `department_ids` belong to, oldest first, as dicts of id, name_en and
    name_hi: one query."""
    if not department_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_MINISTRIES_NAMED_SQL, [list(department_ids)])
        return [{"id": pk, "name_en": name_en, "name_hi": name_hi} for pk, name_en, name_hi in cursor.fetchall()]


def user_ministry_ids(*, user, roles: Iterable[str] | None = None) -> set[int]:
    """The ministries (roots) under which `user` holds any role (one of `roles`, if given); a
    superuser's are every root."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(Department.objects.filter(parent__isnull=True).values_list("id", flat=True))
    with connection.cursor() as cursor:
        if roles is None:
            cursor.execute(_USER_MINISTRIES_SQL, [user.pk])
        else:
            cursor.execute(_USER_MINISTRIES_BY_ROLE_SQL, [user.pk, list(roles)])
        return {root for _origin, root in cursor.fetchall()}


def user_is_ministry_admin_of(*, user, ministry_ids: Collection[int]) -> bool:
    """Whether `user` is an admin of every one of `ministry_ids` (a department admin on each root),
    or a superuser."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    wanted = set(ministry_ids)
    held = set(
        user.memberships.filter(
            role=Role.DEPARTMENT_ADMIN, department_id__in=wanted, department__is_active=True
        ).values_list("department_id", flat=True)
    )
    return held == wanted


def department_administered_by(*, actor, department: Department) -> bool:
    """Whether `actor` administers `department`; one not saved yet counts by its parent."""
    if actor.is_superuser:
        return actor.is_active
    if department.pk is None:
        return department.parent_id is not None and user_has_role(
            user=actor, department_id=department.parent_id, roles=[Role.DEPARTMENT_ADMIN]
        )
    return user_has_role(user=actor, department_id=department.pk, roles=[Role.DEPARTMENT_ADMIN])


def user_list_manageable(*, actor) -> QuerySet:
    """The staff accounts `actor` may manage in the admin (open, edit, set the password of, grant
    roles to). A ministry admin with `is_superuser`: everyone. A department admin: users with at
    least one membership in their subtree and none outside it, never a superuser; so a user made
    with `createsuperuser`, or one who also works for another department, is not theirs to touch."""
    users = get_user_model().objects.all()
    if actor.is_superuser:
        return users
    scope = department_ids_in_scope_sql(user=actor, roles=[Role.DEPARTMENT_ADMIN])
    inside = Membership.objects.filter(user_id=OuterRef("pk"), department_id__in=scope)
    outside = Membership.objects.filter(user_id=OuterRef("pk")).exclude(department_id__in=scope)
    return users.filter(Exists(inside), ~Exists(outside), is_superuser=False)


# The ministries a ticket of department %s may go to, for user %s (admins hold role %s; for a
# superuser %s is true): its own; for an admin of it, every other ministry they administer too.
_TRANSFER_ROOTS = """ticket_root(id) AS (SELECT id FROM up ORDER BY depth DESC LIMIT 1),
admin_roots(id) AS (
    SELECT m.department_id FROM departments_membership m JOIN departments_department d ON d.id = m.department_id
     WHERE m.user_id = %s AND m.role = %s AND d.parent_id IS NULL AND d.is_active),
roots(id) AS (
    SELECT id FROM ticket_root
  UNION SELECT id FROM admin_roots WHERE EXISTS (SELECT 1 FROM admin_roots a JOIN ticket_root t ON t.id = a.id)
  UNION SELECT id FROM departments_department WHERE parent_id IS NULL AND %s)"""
_TRANSFER_UP = ancestors_cte("up", ids="ARRAY[%s::bigint]")
_TRANSFER_DOWN = subtree_cte("sub", seed="SELECT id FROM roots")
_TRANSFERABLE_SQL = f"WITH RECURSIVE {_TRANSFER_UP},\n{_TRANSFER_ROOTS},\n{_TRANSFER_DOWN} SELECT id FROM sub"  # noqa: S608  # nosec B608


def department_ids_transferable_sql(*, department_id: int, user) -> RawSQL:
    """An SQL subquery of the departments a ticket of `department_id` may be transferred to by
    `user`, as far as ministries go: those of its own ministry, and of the other ministries `user`
    administers when they administer its ministry too (every ministry's for a superuser)."""
    params = [department_id, user.pk, Role.DEPARTMENT_ADMIN.value, bool(user.is_superuser)]
    return RawSQL(_TRANSFERABLE_SQL, params)  # noqa: S611 - constant text  # nosec B611


_DESCENDANTS_SQL = "WITH RECURSIVE " + subtree_cte("sub", seed="SELECT %s::bigint") + " SELECT id FROM sub"  # noqa: S608 - constant text  # nosec B608


def department_subtree_ids_sql(*, department_id: int) -> RawSQL:
    """An SQL subquery of the ids of a department and all below it, for `field__in=...`."""
    return RawSQL(_DESCENDANTS_SQL, [department_id])  # noqa: S611 - constant text  # nosec B611


def department_descendant_ids(*, department_id: int) -> set[int]:
    """The ids of a department and all below it."""
    with connection.cursor() as cursor:
        cursor.execute(_DESCENDANTS_SQL, [department_id])
        return {row[0] for row in cursor.fetchall()}


_ANCESTORS_SQL = (
    "WITH RECURSIVE " + ancestors_cte("up", ids="ARRAY[%s::bigint]") + " SELECT id FROM up ORDER BY depth"  # noqa: S608 - constant text  # nosec B608
)


def department_ancestor_ids(*, department_id: int) -> list[int]:
    """A department and every department above it, nearest first."""
    with connection.cursor() as cursor:
        cursor.execute(_ANCESTORS_SQL, [department_id])
        return [row[0] for row in cursor.fetchall()]


_ANCESTOR_MAP_SQL = (
    "WITH RECURSIVE " + ancestors_cte("up", ids="%s::bigint[]") + " SELECT origin, id FROM up ORDER BY origin, depth"  # noqa: S608 - constant text  # nosec B608
)


def department_ancestor_map(*, department_ids: Collection[int]) -> dict[int, list[int]]:
    """For each of `department_ids`: it and every department above it, nearest first; one query."""
    ancestors: dict[int, list[int]] = {}
    if not department_ids:
        return ancestors
    with connection.cursor() as cursor:
        cursor.execute(_ANCESTOR_MAP_SQL, [list(department_ids)])
        for origin, department_id in cursor.fetchall():
            ancestors.setdefault(origin, []).append(department_id)
    return ancestors


def user_role_names(*, user) -> set[str]:
    """The roles a user holds in active departments (whatever the department), e.g. for deciding
    whether their roles demand two-factor sign-in."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, department__is_active=True).values_list("role", flat=True).distinct()
    )


@dataclass(frozen=True, slots=True)
class AssignmentSettings:
    """How a department's (or unit's) new tickets are handed out, as its nearest setting says."""

    mode: str  # AssignmentMode.MANUAL or AssignmentMode.AUTO, never "inherit"
    max_open_per_officer: int

    @property
    def is_auto(self) -> bool:
        return self.mode == AssignmentMode.AUTO


# For each department asked about: the nearest mode that is not "inherit" and the nearest cap set,
# walking up from the department itself; an inactive department hands out nothing by itself.
def _assignment_sql(ids: str) -> str:
    return (
        "WITH RECURSIVE "  # nosec B608 - constant text; values are params
        + ancestors_cte("up", ids=ids)
        + """
SELECT up.origin,
       bool_or(d.is_active) FILTER (WHERE up.depth = 0),
       (array_agg(d.assignment_mode ORDER BY up.depth) FILTER (WHERE d.assignment_mode <> %s))[1],
       (array_agg(d.max_open_per_officer ORDER BY up.depth) FILTER (WHERE d.max_open_per_officer IS NOT NULL))[1]
  FROM up JOIN departments_department d ON d.id = up.id
 GROUP BY up.origin"""  # nosec B608 - constant text
    )


_ASSIGNMENT_OF_SQL = _assignment_sql("%s::bigint[]")
_ASSIGNMENT_OF_ALL_SQL = _assignment_sql("ARRAY(SELECT id FROM departments_department)")


def department_assignment_settings(*, department_ids: Collection[int] | None = None) -> dict[int, AssignmentSettings]:
    """{department id: its assignment settings} for `department_ids` (every department if None), in
    one query. "inherit" follows the parent, a root that inherits is manual; an empty cap is the
    parent's, at the top SEVA_MAX_OPEN_PER_OFFICER."""
    with connection.cursor() as cursor:
        if department_ids is None:
            cursor.execute(_ASSIGNMENT_OF_ALL_SQL, [AssignmentMode.INHERIT])
        else:
            cursor.execute(_ASSIGNMENT_OF_SQL, [list(department_ids), AssignmentMode.INHERIT])
        rows = cursor.fetchall()
    return {
        origin: AssignmentSettings(
            mode=(mode or AssignmentMode.MANUAL) if active else AssignmentMode.MANUAL,
            max_open_per_officer=settings.SEVA_MAX_OPEN_PER_OFFICER if cap is None else cap,
        )
        for origin, active, mode, cap in rows
    }


def user_on_duty(*, user) -> bool | None:
    """Whether the officer is on duty (on any of their officer memberships); None for someone who is
    no officer, who has no duty to switch."""
    if not user.is_authenticated:
        return None
    states = set(Membership.objects.filter(user_id=user.pk, role=Role.OFFICER).values_list("on_duty", flat=True))
    return (True in states) if states else None


@dataclass(frozen=True, slots=True)
class StaffHeader:
    """What the workspace header shows of the signed-in user, read in one query."""

    on_duty: bool | None  # as user_on_duty: None for someone who is no officer
    reads_reports: bool  # the dashboard and the reports are theirs
    ministries: tuple[str, ...]  # the names of the ministries their roles are in, in the active language


# Each membership with the ministry (the root) its department is in.
_HEADER_SQL = """WITH RECURSIVE up(role, on_duty, id, parent_id) AS (
    SELECT m.role, m.on_duty, d.id, d.parent_id
      FROM departments_membership m JOIN departments_department d ON d.id = m.department_id
     WHERE m.user_id = %s AND d.is_active
    UNION ALL
    SELECT up.role, up.on_duty, p.id, p.parent_id FROM up JOIN departments_department p ON p.id = up.parent_id
)
SELECT up.role, up.on_duty, r.name_en, r.name_hi FROM up JOIN departments_department r ON r.id = up.id
 WHERE up.parent_id IS NULL ORDER BY r.id"""


def staff_header(*, user) -> StaffHeader:
    """The header's facts for `user` (nothing for someone signed out), with one query."""
    if not user.is_authenticated:
        return StaffHeader(on_duty=None, reads_reports=False, ministries=())
    with connection.cursor() as cursor:
        cursor.execute(_HEADER_SQL, [user.pk])
        rows = cursor.fetchall()
    hindi = (get_language() or "").startswith("hi")
    duty = {on_duty for role, on_duty, _en, _hi in rows if role == Role.OFFICER}
    names = dict.fromkeys((name_hi or name_en) if hindi else name_en for _role, _duty, name_en, name_hi in rows)
    return StaffHeader(
        on_duty=(True in duty) if duty else None,
        reads_reports=user.is_superuser or any(role in REPORTING_ROLES for role, *_rest in rows),
        ministries=tuple(names),
    )


@dataclass(frozen=True, slots=True)
class OfficerDuty:
    department_code: str
    username: str
    display_name: str
    on_duty: bool


def officer_duty_list(*, user) -> list[OfficerDuty]:
    """The officers of the departments and units the user supervises (everyone's, for a superuser),
    with whether each is on duty, by department and name: one query."""
    officers = Membership.objects.filter(role=Role.OFFICER, user__is_active=True, department__is_active=True)
    if not user.is_superuser:
        supervised = department_ids_in_scope_sql(user=user, roles=SUPERVISING_ROLES)
        officers = officers.filter(department_id__in=supervised)
    rows = officers.order_by("department__code", "user__username").values_list(
        "department__code", "user__username", "user__display_name", "on_duty"
    )
    return [OfficerDuty(*row) for row in rows]
