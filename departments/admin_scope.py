"""The Django admin, scoped: a department admin sees and edits only their subtree.

Rights come from memberships, not Django's per-model permissions, so the same rule holds in
the admin as in the API: a ministry admin (superuser) sees everything, a department admin
their subtree, and officers and auditors do not get the admin at all.

Two-factor sign-in: a user with a TOTP device gives its one-time code at the admin login, and
their session must have done so to use the admin (whichever door it signed in at). A user whose
role is in SEVA_2FA_REQUIRED_ROLES and who has no device is sent to enrol one straight after
signing in, and kept out until they do (seva.two_factor, which also guards every other page).
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse

from accounts.forms import TwoFactorLoginFormMixin
from departments.models import Department, Role
from departments.selectors import department_ids_in_scope_sql, user_is_department_admin
from seva.two_factor import two_factor_step_due, two_factor_step_url


def admin_scope_ids(request):
    """The departments the signed-in department admin administers (an SQL subquery)."""
    return department_ids_in_scope_sql(user=request.user, roles=[Role.DEPARTMENT_ADMIN])


def admin_scoped(queryset, *, request, scope_path: str):
    """`queryset` limited to the admin's departments; `scope_path` leads from the model to its department."""
    if request.user.is_superuser:
        return queryset
    field = f"{scope_path}__id__in" if scope_path else "id__in"
    return queryset.filter(**{field: admin_scope_ids(request)})


class DepartmentScopedAdminMixin:
    # The lookup from this model to the department that scopes it; "" for Department itself.
    scope_path = "department"

    def get_queryset(self, request):
        return admin_scoped(super().get_queryset(request), request=request, scope_path=self.scope_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Department and not request.user.is_superuser:
            kwargs["queryset"] = Department.objects.filter(id__in=admin_scope_ids(request))
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
        return admin_scoped(super().get_queryset(request), request=request, scope_path=self.scope_path)

    def _is_admin(self, request, obj=None, *args) -> bool:
        return user_is_department_admin(user=request.user)

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = _is_admin


class SevaAdminSite(admin.AdminSite):
    site_header = "Seva Desk administration"
    site_title = "Seva Desk admin"
    index_title = "Departments, routing and staff"
    login_form = None  # set below, once the form class exists
    login_template = "accounts/admin_login.html"  # Django's, with the one-time code field

    def has_permission(self, request):
        return user_is_department_admin(user=request.user) and two_factor_step_due(request=request) is None

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        if not (request.user.is_authenticated and user_is_department_admin(user=request.user)):
            return response
        step = two_factor_step_due(request=request)
        if step is not None:
            signed_in_now = request.method == "POST" and isinstance(response, HttpResponseRedirect)
            then = response.url if signed_in_now else reverse("admin:index", current_app=self.name)
            return HttpResponseRedirect(two_factor_step_url(step=step, next_url=then))
        return response


class SevaAdminAuthenticationForm(TwoFactorLoginFormMixin, AdminAuthenticationForm):
    """The admin lets in whoever administers a department, not Django's `is_staff` flag; a user
    with a TOTP device also gives its one-time code (`code`)."""

    def confirm_login_allowed(self, user):
        if not user_is_department_admin(user=user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


SevaAdminSite.login_form = SevaAdminAuthenticationForm
