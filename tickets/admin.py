"""Admin for the departments' SLA calendars and policies.

They are departments' data, but saving them moves tickets' due times, so they are registered
here: tickets depends on departments, never the reverse. Every save and delete goes through
tickets.sla.services, which checks the actor's right and records CONFIG_CHANGED.
"""

from django import forms
from django.contrib import admin

from departments.admin import ActorFormAdminMixin, CheckedForm
from departments.admin_scope import DepartmentScopedAdminMixin, DepartmentScopedInlineMixin
from departments.models import BusinessCalendar, Holiday, SlaPolicy, WorkingPeriod
from tickets.models import Category, TriageRule
from tickets.services.triage import (
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
    checked_fields = ("department", "cues")

    class Meta:
        model = TriageRule
        fields = ("department", "name", "cues", "priority", "category", "is_active")

    def run_check(self, **values):
        triage_rule_check(actor=self.actor, triage_rule_id=self.instance.pk, **values)


@admin.register(TriageRule)
class TriageRuleAdmin(ActorFormAdminMixin, DepartmentScopedAdminMixin, admin.ModelAdmin):
    """A department's rules reach its units' tickets too; a unit may add its own (the nearest rule
    wins between two of one priority)."""

    form = TriageRuleForm
    list_display = ("name", "department", "priority", "category", "is_active")
    list_filter = ("priority", "is_active", "category")
    search_fields = ("name", "cues", "department__code")
    list_select_related = ("department", "category")

    def service_save(self, *, actor, obj):
        triage_rule_save(actor=actor, triage_rule=obj)

    def service_delete(self, *, actor, obj):
        triage_rule_delete(actor=actor, triage_rule=obj)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The ministry's categories: every department's rules and tickets share them, so only
    superusers edit them (department admins see them to choose from in their rules)."""

    list_display = ("code", "name_en", "name_hi")
    search_fields = ("code", "name_en", "name_hi")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()  # the code is the key tickets hold

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def save_model(self, request, obj, form, change):
        category_save(actor=request.user, category=obj)

    def delete_model(self, request, obj):
        category_delete(actor=request.user, category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            category_delete(actor=request.user, category=category)
