"""Admin for the departments' SLA calendars and policies.

They are departments' data, but saving them moves tickets' due times, so they are registered
here: tickets depends on departments, never the reverse. Every save and delete goes through
tickets.sla.services, which checks the actor's right and records CONFIG_CHANGED.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from departments.admin import ActorFormAdminMixin, CheckedForm
from departments.admin_scope import DepartmentScopedAdminMixin, DepartmentScopedInlineMixin
from departments.models import BusinessCalendar, Department, Holiday, Role, SlaPolicy, WorkingPeriod
from departments.selectors import user_is_department_admin, user_is_ministry_admin
from tickets.models import Category, TriageRule
from tickets.selectors import category_administered_by, category_list_administered
from tickets.services.triage import (
    category_check,
    category_delete,
    category_save,
    triage_rule_check,
    triage_rule_delete,
    triage_rule_save,
)
from tickets.sla.services import (
    business_calendar_delete,
    business_calendar_save,
    sla_policy_delete,
    sla_policy_save,
)


class WorkingPeriodInline(DepartmentScopedInlineMixin, admin.TabularInline):
    model = WorkingPeriod
    scope_path = "calendar__department"
    extra = 0


class HolidayInline(DepartmentScopedInlineMixin, admin.TabularInline):
    model = Holiday
    scope_path = "calendar__department"
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(DepartmentScopedAdminMixin, admin.ModelAdmin):
    """A unit or department with its own calendar stops using its ancestor's (a state holiday, say)."""

    list_display = ("name", "department", "timezone")
    search_fields = ("name", "department__code")
    list_select_related = ("department",)
    inlines = (WorkingPeriodInline, HolidayInline)

    def save_model(self, request, obj, form, change):
        pass  # saved in save_related, with its periods and holidays, as one change

    def save_related(self, request, form, formsets, change):
        rows = {}
        for formset in formsets:
            formset.save(commit=False)  # builds the rows and tells which forms were deleted
            deleted = {row.pk for row in formset.deleted_objects}
            kept = [f.instance for f in formset.initial_forms if f.instance.pk not in deleted]
            rows[formset.model] = kept + formset.new_objects
        business_calendar_save(
            actor=request.user, calendar=form.instance, periods=rows.get(WorkingPeriod), holidays=rows.get(Holiday)
        )

    def delete_model(self, request, obj):
        business_calendar_delete(actor=request.user, calendar=obj)

    def delete_queryset(self, request, queryset):
        for calendar in queryset:
            business_calendar_delete(actor=request.user, calendar=calendar)


class SlaPolicyForm(forms.ModelForm):
    priority = forms.ChoiceField(choices=[(p, p.upper()) for p in ("p1", "p2", "p3", "p4")])

    class Meta:
        model = SlaPolicy
        fields = ("department", "priority", "first_response_minutes", "resolution_minutes")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ActorFormAdminMixin, DepartmentScopedAdminMixin, admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = ("department", "priority", "first_response_minutes", "resolution_minutes")
    list_filter = ("priority",)
    search_fields = ("department__code",)
    list_select_related = ("department",)

    def get_readonly_fields(self, request, obj=None):
        # Which tickets a policy governs is fixed once saved: moving it is a delete and an add.
        return ("department", "priority") if obj else ()

    def service_save(self, *, actor, obj):
        # A new target moves the due times of the open tickets the policy governs.
        sla_policy_save(actor=actor, policy=obj)

    def service_delete(self, *, actor, obj):
        sla_policy_delete(actor=actor, policy=obj)


class TriageRuleForm(CheckedForm):
    checked_fields = ("department", "cues", "category")

    class Meta:
        model = TriageRule
        fields = ("department", "name", "cues", "priority", "category", "is_active")

    def run_check(self, **values):
        triage_rule_check(actor=self.actor, triage_rule_id=self.instance.pk, **values)


@admin.register(TriageRule)
class TriageRuleAdmin(ActorFormAdminMixin, DepartmentScopedAdminMixin, admin.ModelAdmin):
    """A department's rules reach its units' tickets too; a unit may add its own (the nearest rule
    wins between two of one priority). Its category: a shared one or one of its ministry's."""

    form = TriageRuleForm
    list_display = ("name", "department", "priority", "category", "is_active")
    list_filter = ("priority", "is_active", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "cues", "department__code")
    list_select_related = ("department", "category")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            # The department is chosen in the same form, so its ministry is checked on save.
            kwargs["queryset"] = category_list_administered(user=request.user).order_by("name_en")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_save(self, *, actor, obj):
        triage_rule_save(actor=actor, triage_rule=obj)

    def service_delete(self, *, actor, obj):
        triage_rule_delete(actor=actor, triage_rule=obj)


class CategoryForm(CheckedForm):
    checked_fields = ("code", "ministry")

    class Meta:
        model = Category
        fields = ("code", "name_en", "name_hi", "ministry")

    def run_check(self, **values):
        category_check(actor=self.actor, **values)


@admin.register(Category)
class CategoryAdmin(ActorFormAdminMixin, admin.ModelAdmin):
    """Each ministry's categories and the shared ones (no ministry). A department admin sees the
    shared ones and their ministries' (to choose from in their rules); a ministry's admin (on its
    root) edits that ministry's; only superusers edit the shared ones, which every ministry uses."""

    form = CategoryForm
    list_display = ("code", "name_en", "name_hi", "ministry")
    list_filter = (("ministry", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("code", "name_en", "name_hi")
    list_select_related = ("ministry",)

    def get_queryset(self, request):
        return category_list_administered(user=request.user).select_related("ministry")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()  # the code is the key tickets hold

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "ministry":
            ministries = Department.objects.filter(parent__isnull=True)
            if not request.user.is_superuser:
                # Theirs only, and one is needed: a shared category is a superuser's to make.
                admin_of = request.user.memberships.filter(
                    role=Role.DEPARTMENT_ADMIN, department__is_active=True
                ).values("department_id")
                kwargs["queryset"], kwargs["required"] = ministries.filter(id__in=admin_of), True
            else:
                kwargs["queryset"], kwargs["empty_label"] = ministries, _("Shared by every ministry")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return user_is_department_admin(user=request.user)

    def has_view_permission(self, request, obj=None):
        if not user_is_department_admin(user=request.user):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return user_is_ministry_admin(user=request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return user_is_ministry_admin(user=request.user)
        return category_administered_by(actor=request.user, category=obj)

    has_delete_permission = has_change_permission

    def service_save(self, *, actor, obj):
        category_save(actor=actor, category=obj)

    def service_delete(self, *, actor, obj):
        category_delete(actor=actor, category=obj)
