"""The Django admin, scoped: a department admin sees and edits only their subtree.

Rights come from memberships, not Django's per-model permissions, so the same rule holds in
the admin as in the API: a ministry admin (superuser) sees everything, a department admin
their subtree, and officers and auditors do not get the admin at all.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from departments.models import Department, Role
from departments.selectors import department_ids_in_scope_sql, user_is_department_admin


class DepartmentScopedAdminMixin:
    # The lookup from this model to the department that scopes it; "" for Department itself.
    scope_path = "department"

    def _scope_ids(self, request):
        return department_ids_in_scope_sql(user=request.user, roles=[Role.DEPARTMENT_ADMIN])

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        field = f"{self.scope_path}__id__in" if self.scope_path else "id__in"
        return queryset.filter(**{field: self._scope_ids(request)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Department and not request.user.is_superuser:
            kwargs["queryset"] = Department.objects.filter(id__in=self._scope_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return user_is_department_admin(user=request.user)

    def has_view_permission(self, request, obj=None):
        return self._may_touch(request, obj)

    def has_add_permission(self, request, *args):
        return user_is_department_admin(user=request.user)

    def has_change_permission(self, request, obj=None):
        return self._may_touch(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_touch(request, obj)

    def _may_touch(self, request, obj) -> bool:
        if not user_is_department_admin(user=request.user):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()


class DepartmentScopedInlineMixin:
    """Rows shown inline under a department the admin already may edit, limited to their scope."""

    scope_path = "department"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        scope = department_ids_in_scope_sql(user=request.user, roles=[Role.DEPARTMENT_ADMIN])
        return queryset.filter(**{f"{self.scope_path}__id__in": scope})

    def _is_admin(self, request, obj=None, *args) -> bool:
        return user_is_department_admin(user=request.user)

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = _is_admin


class SevaAdminSite(admin.AdminSite):
    site_header = "Seva Desk administration"
    site_title = "Seva Desk admin"
    index_title = "Departments, routing and staff"
    login_form = None  # set below, once the form class exists

    def has_permission(self, request):
        return user_is_department_admin(user=request.user)


class SevaAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin lets in whoever administers a department, not Django's `is_staff` flag."""

    def confirm_login_allowed(self, user):
        if not user_is_department_admin(user=user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


SevaAdminSite.login_form = SevaAdminAuthenticationForm
