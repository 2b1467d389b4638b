"""Writes to the department tree."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from departments.models import Department
from departments.selectors import department_descendant_ids


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


@transaction.atomic
def department_set_parent(*, department: Department, parent: Department | None) -> Department:
    # One tree-wide lock: two concurrent moves could otherwise build a cycle between them.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('departments_tree'))")
    department_check_parent(department=department, parent=parent)
    department.parent = parent
    department.save(update_fields=["parent"])
    return department
