"""Reads of what arrived: who may see which dead letters.

Dead letters keep raw payloads, which hold citizens' data. Each door that shows them (the API list,
detail and replay, the admin) asks `dead_letters_visible`, the one place their scope is decided.
"""

from django.db.models import QuerySet

from departments.models import SUPERVISING_ROLES, Role
from departments.selectors import department_ids_in_scope_sql
from ingestion.models import DeadLetter


def user_is_ministry_admin(*, user) -> bool:
    """A superuser, or a department admin of a root of the tree (the ministry): they see every department."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.memberships.filter(
        role=Role.DEPARTMENT_ADMIN, department__is_active=True, department__parent__isnull=True
    ).exists()


def dead_letters_visible(*, user) -> QuerySet[DeadLetter]:
    """The dead letters `user` may read: those of the departments they supervise or administer
    (a membership covers its subtree); those that route nowhere only for ministry admins."""
    letters = DeadLetter.objects.select_related("department")
    if not (user.is_authenticated and user.is_active):
        return letters.none()
    if user_is_ministry_admin(user=user):
        return letters
    # department_id IN (...) never holds for NULL: an unroutable letter is nobody's but the ministry's.
    return letters.filter(department_id__in=department_ids_in_scope_sql(user=user, roles=SUPERVISING_ROLES))
