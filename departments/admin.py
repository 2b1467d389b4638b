"""The departments' admin: the tree, its routing configuration and its staff.

Every save and delete here goes through departments.services, which checks the actor's right and
writes the audit event (ROLE_* for memberships, CONFIG_CHANGED for configuration); the forms run
the services' checks first, so a refusal is a form error rather than a 403 or a 500.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.forms import AdminPasswordSetForm, password_set_by
from accounts.models import User
from departments import services
from departments.admin_scope import DepartmentScopedAdminMixin, DepartmentScopedInlineMixin, admin_scope_ids
from departments.models import Department, Hashtag, Membership, OfficialAccount, Role, RoutingRule
from departments.selectors import user_is_ministry_admin, user_list_manageable
from ingestion.credentials.admin_links import credential_summary
from ingestion.doors.stream_rules import stream_rules_change_check


class CheckedForm(forms.ModelForm):
    """A ModelForm that runs a service's `*_check` as the signed-in admin.

    `actor` is set on the class by the admin's get_form/get_formset, which build a fresh form class
    for every request. `checked_fields` are passed to `run_check`; a field the form leaves out
    (read-only) is taken from the instance."""

    actor = None
    checked_fields: tuple[str, ...] = ()

    def run_check(self, **values) -> None:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in self.checked_fields):
            return cleaned  # the field's own error says it already
        values = {
            name: cleaned[name] if name in cleaned else getattr(self.instance, name) for name in self.checked_fields
        }
        try:
            self.run_check(**values)
        except ValidationError as error:
            for field, messages in error.error_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


class DepartmentForm(CheckedForm):
    checked_fields = ("code", "ticket_prefix", "parent")

    class Meta:
        model = Department
        fields = (
            "code",
            "name_en",
            "name_hi",
            "parent",
            "ticket_prefix",
            "is_unit",
            "is_active",
            "assignment_mode",
            "max_open_per_officer",
            "state_code",
        )

    def clean_code(self):
        return self.cleaned_data["code"].upper()

    def clean_ticket_prefix(self):
        return self.cleaned_data["ticket_prefix"].upper()

    def run_check(self, **values):
        services.department_check(actor=self.actor, department_id=self.instance.pk, **values)


class HashtagForm(CheckedForm):
    checked_fields = ("tag", "department")

    class Meta:
        model = Hashtag
        fields = ("tag", "department")

    def clean_tag(self):
        return self.cleaned_data["tag"].strip().lstrip("#")

    def run_check(self, **values):
        services.hashtag_check(actor=self.actor, hashtag_id=self.instance.pk, **values)
        # The X stream's plan allows so many rules (ingestion.doors.stream_rules).
        stored = f"#{self.instance.tag}" if self.instance.pk else None
        stream_rules_change_check(adding=f"#{values['tag']}", removing=stored, field="tag")


class OfficialAccountForm(CheckedForm):
    checked_fields = ("handle", "x_user_id", "department", "is_minister")

    class Meta:
        model = OfficialAccount
        fields = ("handle", "x_user_id", "department", "is_minister")

    def clean_handle(self):
        return self.cleaned_data["handle"].strip().lstrip("@")

    def run_check(self, **values):
        services.official_account_check(actor=self.actor, official_account_id=self.instance.pk, **values)
        stored = f"@{self.instance.handle}" if self.instance.pk else None
        stream_rules_change_check(adding=f"@{values['handle']}", removing=stored, field="handle")


class RoutingRuleForm(CheckedForm):
    checked_fields = ("kind", "pattern", "department")

    class Meta:
        model = RoutingRule
        fields = ("kind", "pattern", "department", "priority", "is_active")

    def run_check(self, **values):
        services.routing_rule_check(actor=self.actor, routing_rule_id=self.instance.pk, **values)


class MembershipForm(CheckedForm):
    checked_fields = ("user", "department", "role")

    class Meta:
        model = Membership
        fields = ("user", "department", "role", "on_duty")

    def run_check(self, **values):
        services.membership_check(actor=self.actor, membership_id=self.instance.pk, **values)


class ActorFormAdminMixin:
    """Hands the signed-in admin to the form's checks, and saves and deletes through the services
    (`service_save` / `service_delete`), the changelist's bulk delete action included."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def service_save(self, *, actor, obj) -> None:
        raise NotImplementedError

    def service_delete(self, *, actor, obj) -> None:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        self.service_save(actor=request.user, obj=obj)

    def delete_model(self, request, obj):
        self.service_delete(actor=request.user, obj=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.service_delete(actor=request.user, obj=obj)


class MembershipInline(DepartmentScopedInlineMixin, admin.TabularInline):
    """The department's staff, to read: roles are granted and revoked on the Memberships page,
    where the user's choices are limited and each grant is recorded."""

    model = Membership
    extra = 0
    fields = readonly_fields = ("user", "role", "on_duty")
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    has_change_permission = has_delete_permission = has_add_permission


class HashtagInline(DepartmentScopedInlineMixin, admin.TabularInline):
    model = Hashtag
    form = HashtagForm
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.actor = request.user
        return formset


@admin.register(Department)
class DepartmentAdmin(ActorFormAdminMixin, DepartmentScopedAdminMixin, admin.ModelAdmin):
    form = DepartmentForm
    scope_path = ""
    list_display = ("code", "name_en", "name_hi", "parent", "is_unit", "is_active", "assignment_mode")
    list_filter = ("is_unit", "is_active", "assignment_mode")
    search_fields = ("code", "name_en", "name_hi")
    inlines = (HashtagInline, MembershipInline)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not request.user.is_superuser and "parent" in form.base_fields:
            # A department admin adds units below their department; only the ministry adds roots.
            field = form.base_fields["parent"]
            field.required = obj is None or obj.parent_id is not None
            if obj is not None and obj.parent_id is not None:
                # Their own department may keep the parent they do not administer.
                field.queryset = Department.objects.filter(
                    id__in=admin_scope_ids(request)
                ) | Department.objects.filter(pk=obj.parent_id)
        return form

    def service_save(self, *, actor, obj):
        services.department_save(actor=actor, department=obj)

    def service_delete(self, *, actor, obj):
        services.department_delete(actor=actor, department=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is Membership:
            # Read-only here (see MembershipInline): nothing of it is saved.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        if formset.model is not Hashtag:
            raise TypeError(f"no service saves {formset.model} inline")
        changed = formset.save(commit=False)
        for hashtag in formset.deleted_objects:
            services.hashtag_delete(actor=request.user, hashtag=hashtag)
        for hashtag in changed:
            services.hashtag_save(actor=request.user, hashtag=hashtag)


@admin.register(Membership)
class MembershipAdmin(ActorFormAdminMixin, DepartmentScopedAdminMixin, admin.ModelAdmin):
    form = MembershipForm
    list_display = ("user", "department", "role", "on_duty")
    list_filter = ("role", "on_duty")
    search_fields = ("user__username", "department__code")
    autocomplete_fields = ("user",)  # its choices are StaffUserAdmin's queryset: manageable users
    list_select_related = ("user", "department")

    def get_readonly_fields(self, request, obj=None):
        # A membership stays with its user; giving the role to someone else is a revoke and a grant.
        return ("user",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = user_list_manageable(actor=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_save(self, *, actor, obj):
        if obj.pk is None:
            obj.pk = services.membership_grant(
                actor=actor, user=obj.user, department=obj.department, role=obj.role, on_duty=obj.on_duty
            ).pk
        else:
            services.membership_change(
                actor=actor, membership=obj, department=obj.department, role=obj.role, on_duty=obj.on_duty
            )

    def service_delete(self, *, actor, obj):
        services.membership_revoke(actor=actor, membership=obj)


@admin.register(OfficialAccount)
class OfficialAccountAdmin(ActorFormAdminMixin, DepartmentScopedAdminMixin, admin.ModelAdmin):
    form = OfficialAccountForm
    list_display = ("handle", "x_user_id", "department", "is_minister", "posting_on_x")
    search_fields = ("handle", "x_user_id")
    list_select_related = ("department", "credential")

    def get_readonly_fields(self, request, obj=None):
        # The minister's account names no department when mentioned: the ministry's to mark.
        return ("posting_on_x",) if user_is_ministry_admin(user=request.user) else ("is_minister", "posting_on_x")

    @admin.display(description=_("posting on X"))
    def posting_on_x(self, obj):
        return credential_summary(account=obj) if obj.pk else "-"

    def service_save(self, *, actor, obj):
        services.official_account_save(actor=actor, official_account=obj)

    def service_delete(self, *, actor, obj):
        services.official_account_delete(actor=actor, official_account=obj)


@admin.register(Hashtag)
class HashtagAdmin(ActorFormAdminMixin, DepartmentScopedAdminMixin, admin.ModelAdmin):
    form = HashtagForm
    list_display = ("tag", "department")
    search_fields = ("tag",)
    list_select_related = ("department",)

    def service_save(self, *, actor, obj):
        services.hashtag_save(actor=actor, hashtag=obj)

    def service_delete(self, *, actor, obj):
        services.hashtag_delete(actor=actor, hashtag=obj)


@admin.register(RoutingRule)
class RoutingRuleAdmin(ActorFormAdminMixin, DepartmentScopedAdminMixin, admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ("priority", "kind", "pattern", "department", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("pattern",)
    list_select_related = ("department",)

    def service_save(self, *, actor, obj):
        services.routing_rule_save(actor=actor, routing_rule=obj)

    def service_delete(self, *, actor, obj):
        services.routing_rule_delete(actor=actor, routing_rule=obj)


class StaffUserCreationForm(AdminUserCreationForm):
    """A new account comes with its first role, so a department admin's new staff member is in
    their subtree (and theirs to manage) from the start. Optional for a ministry admin."""

    actor = None
    department = forms.ModelChoiceField(
        label=_("department or unit"), queryset=Department.objects.none(), required=False
    )
    role = forms.ChoiceField(label=_("role"), choices=[("", "---------"), *Role.choices], required=False)

    def clean(self):
        cleaned = super().clean()
        if "department" not in self.errors:
            try:
                services.staff_user_check(
                    actor=self.actor, department=cleaned.get("department"), role=cleaned.get("role")
                )
            except ValidationError as error:
                for field, messages in error.error_dict.items():
                    self.add_error(field, messages)
        return cleaned


# Staff accounts are administered here: their rights come from department memberships.
@admin.register(User)
class StaffUserAdmin(DepartmentScopedAdminMixin, UserAdmin):
    """Ministry admins manage every account; a department admin manages the staff whose every
    membership lies in their subtree (`user_list_manageable`), never a superuser. Anyone else's
    change, delete, history and password pages answer 404."""

    add_form = StaffUserCreationForm
    add_fieldsets = (*UserAdmin.add_fieldsets, (_("Seva Desk role"), {"fields": ("department", "role")}))
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Seva Desk", {"fields": ("display_name", "preferred_language", "receives_daily_digest")}),
    )
    list_display = ("username", "display_name", "email", "is_active", "is_superuser")

    def get_queryset(self, request):
        return user_list_manageable(actor=request.user).order_by(*self.get_ordering(request) or ("username",))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.actor = request.user
            scope = Department.objects.all()
            if not request.user.is_superuser:
                scope = scope.filter(id__in=admin_scope_ids(request))
            form.base_fields["department"].queryset = scope
        return form

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        # A department admin must not be able to grant themselves or others superpowers.
        return ("is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        services.staff_user_create(
            actor=request.user,
            user=obj,
            department=form.cleaned_data.get("department"),
            role=form.cleaned_data.get("role") or None,
        )

    def delete_model(self, request, obj):
        services.staff_user_delete(actor=request.user, user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.staff_user_delete(actor=request.user, user=user)

    def _refuse_unless_manageable(self, request, object_id) -> None:
        # Django's default for an object outside the queryset is a redirect with "doesn't exist";
        # for accounts, answer as if there were none.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._refuse_unless_manageable(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._refuse_unless_manageable(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._refuse_unless_manageable(request, object_id)
        return super().history_view(request, object_id, extra_context)

    # Setting a password here goes through accounts.services.user_password_change: the user's API
    # tokens are revoked and PASSWORD_CHANGED names the admin who did it.
    change_password_form = AdminPasswordSetForm

    def user_change_password(self, request, id, form_url=""):  # noqa: A002 (Django's signature)
        with password_set_by(request.user):
            return super().user_change_password(request, id, form_url)
