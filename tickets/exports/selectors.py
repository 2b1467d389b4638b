"""Reads of export jobs. A job is seen by the user who asked for it and by its ministry's admins
(a superuser; a department admin of a root department, within its tree, so never another
ministry's); to anyone else it does not exist, through every door."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from departments.models import Membership, Role
from departments.selectors import department_ids_in_scope_sql, user_is_ministry_admin
from tickets.exports.models import ExportJob, ExportState
from tickets.selectors import MAX_BIGINT

ACTIVE_STATES = (ExportState.QUEUED, ExportState.BUILDING)


def export_list_mine(*, user) -> QuerySet[ExportJob]:
    """The user's own exports, newest first (one query, with their departments)."""
    if not (user.is_authenticated and user.is_active):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user).select_related("department").order_by("-id")


def export_visible(*, user) -> QuerySet[ExportJob]:
    """The exports `user` may read and download."""
    jobs = ExportJob.objects.select_related("department", "requested_by")
    if not (user.is_authenticated and user.is_active):
        return jobs.none()
    if user.is_superuser:
        return jobs
    mine = Q(requested_by=user)
    if not user_is_ministry_admin(user=user):
        return jobs.filter(mine)
    tree = department_ids_in_scope_sql(user=user, roles=[Role.DEPARTMENT_ADMIN])
    # An export of "everything" is within the tree when its requester's memberships all are: one
    # of someone who also works for another ministry holds that ministry's rows too.
    requester = Membership.objects.filter(user_id=OuterRef("requested_by_id"))
    inside, outside = requester.filter(department_id__in=tree), requester.exclude(department_id__in=tree)
    everything_inside = Q(department__isnull=True) & Exists(inside) & ~Exists(outside)
    return jobs.filter(mine | Q(department_id__in=tree) | everything_inside)


def export_get(*, user, export_id: int) -> ExportJob | None:
    if not 0 < export_id <= MAX_BIGINT:
        return None
    return export_visible(user=user).filter(pk=export_id).first()


def export_active_count(*, user) -> int:
    return ExportJob.objects.filter(requested_by=user, state__in=ACTIVE_STATES).count()
