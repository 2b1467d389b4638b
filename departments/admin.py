from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q

from accounts.forms import AdminPasswordSetForm, password_set_by
from accounts.models import User
from departments.admin_scope import DepartmentScopedAdminMixin, DepartmentScopedInlineMixin, admin_scope_ids
from departments.models import Department, Hashtag, Membership, OfficialAccount, RoutingRule
from departments.services import department_check_parent


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ("code", "name_en", "name_hi", "parent", "ticket_prefix", "is_unit", "is_active")

    def clean(self):
        cleaned = super().clean()
        department_check_parent(department=self.instance, parent=cleaned.get("parent"))
        return cleaned


class MembershipInline(DepartmentScopedInlineMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


class HashtagInline(DepartmentScopedInlineMixin, admin.TabularInline):
    model = Hashtag
    extra = 0


@admin.register(Department)
class DepartmentAdmin(DepartmentScopedAdminMixin, admin.ModelAdmin):
    form = DepartmentForm
    scope_path = ""
    list_display = ("code", "name_en", "name_hi", "parent", "is_unit", "is_active")
    list_filter = ("is_unit", "is_active")
    search_fields = ("code", "name_en", "name_hi")
    inlines = (HashtagInline, MembershipInline)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not request.user.is_superuser and "parent" in form.base_fields:
            # A department admin adds units below their department; only the ministry adds roots.
            form.base_fields["parent"].required = True
        return form


@admin.register(Membership)
class MembershipAdmin(DepartmentScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "department", "role", "on_duty")
    list_filter = ("role", "on_duty")
    search_fields = ("user__username", "department__code")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "department")


@admin.register(OfficialAccount)
class OfficialAccountAdmin(DepartmentScopedAdminMixin, admin.ModelAdmin):
    list_display = ("handle", "x_user_id", "department", "is_minister")
    search_fields = ("handle", "x_user_id")
    list_select_related = ("department",)


@admin.register(Hashtag)
class HashtagAdmin(DepartmentScopedAdminMixin, admin.ModelAdmin):
    list_display = ("tag", "department")
    search_fields = ("tag",)
    list_select_related = ("department",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(DepartmentScopedAdminMixin, admin.ModelAdmin):
    list_display = ("priority", "kind", "pattern", "department", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("pattern",)
    list_select_related = ("department",)


# Staff accounts are administered here: their rights come from department memberships.
@admin.register(User)
class StaffUserAdmin(DepartmentScopedAdminMixin, UserAdmin):
    """Ministry admins manage every account; a department admin sees the staff of their subtree."""

    fieldsets = (*UserAdmin.fieldsets, ("Seva Desk", {"fields": ("display_name", "preferred_language")}))
    list_display = ("username", "display_name", "email", "is_active", "is_superuser")

    def get_queryset(self, request):
        queryset = UserAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        # Staff with a membership in the admin's subtree, and new staff with no membership yet.
        in_scope = Membership.objects.filter(department_id__in=admin_scope_ids(request)).values("user_id")
        return queryset.filter(Q(id__in=in_scope) | Q(memberships__isnull=True)).distinct()

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        # A department admin must not be able to grant themselves or others superpowers.
        return ("is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined")

    # Setting a password here goes through accounts.services.user_password_change: the user's API
    # tokens are revoked and PASSWORD_CHANGED names the admin who did it.
    change_password_form = AdminPasswordSetForm

    def user_change_password(self, request, id, form_url=""):  # noqa: A002 (Django's signature)
        with password_set_by(request.user):
            return super().user_change_password(request, id, form_url)
