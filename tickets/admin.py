"""Admin for the departments' SLA calendars and policies.

They are departments' data, but saving them moves tickets' due times, so they are registered
here: tickets depends on departments, never the reverse.
"""

from django import forms
from django.contrib import admin

from departments.admin_scope import DepartmentScopedAdminMixin, DepartmentScopedInlineMixin
from departments.models import BusinessCalendar, Holiday, SlaPolicy, WorkingPeriod
from tickets.sla.services import sla_policy_save
from tickets.sla.targets import sla_cache_clear


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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # tickets.sla.targets keeps calendars a minute per process; this one sees the edit at once.
        sla_cache_clear()


class SlaPolicyForm(forms.ModelForm):
    priority = forms.ChoiceField(choices=[(p, p.upper()) for p in ("p1", "p2", "p3", "p4")])

    class Meta:
        model = SlaPolicy
        fields = ("department", "priority", "first_response_minutes", "resolution_minutes")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(DepartmentScopedAdminMixin, admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = ("department", "priority", "first_response_minutes", "resolution_minutes")
    list_filter = ("priority",)
    search_fields = ("department__code",)
    list_select_related = ("department",)

    def get_readonly_fields(self, request, obj=None):
        # Which tickets a policy governs is fixed once saved: moving it is a delete and an add.
        return ("department", "priority") if obj else ()

    def save_model(self, request, obj, form, change):
        # A new target moves the due times of the open tickets the policy governs.
        sla_policy_save(policy=obj)
