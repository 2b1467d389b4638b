"""Reads of what arrived: who may see which dead letters.

Dead letters keep raw payloads, which hold citizens' data. Each door that shows them (the API list,
detail and replay, the admin) asks `dead_letters_visible`, the one place their scope is decided.
"""

from django.db.models import QuerySet

from departments.models import SUPERVISING_ROLES
from departments.selectors import department_ids_in_scope_sql
from ingestion.models import DeadLetter


def dead_letters_visible(*, user) -> QuerySet[DeadLetter]:
    """The dead letters `user` may read: those of the departments they supervise or administer
    (a membership covers its subtree, so a ministry's admin has every one of their ministry's);
    those that route to no department, whose raw text may be any ministry's, only for superusers."""
    letters = DeadLetter.objects.select_related("department")
    if not (user.is_authenticated and user.is_active):
        return letters.none()
    if user.is_superuser:
        return letters
    # department_id IN (...) never holds for NULL: an unroutable letter is nobody's but a superuser's.
    return letters.filter(department_id__in=department_ids_in_scope_sql(user=user, roles=SUPERVISING_ROLES))
