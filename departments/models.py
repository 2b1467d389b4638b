"""The department tree and who may act on it.

A membership on a department grants its role on that department and every descendant;
`departments.selectors.department_scope` computes that in one recursive SQL query.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.translation import gettext_lazy as _

from departments.states import STATE_CHOICES, STATES


class Role(models.TextChoices):
    # Works tickets: claim, reply, note, change status, transfer.
    OFFICER = "officer", _("Officer")
    # An officer's rights plus assignment, escalation review, canned responses.
    SUPERVISOR = "supervisor", _("Supervisor")
    # Manages units, hashtags, routing rules, SLA policies and members in the admin.
    DEPARTMENT_ADMIN = "department_admin", _("Department admin")
    # Reads tickets, events and reports; exports; verifies the audit chain. Never writes.
    AUDITOR = "auditor", _("Auditor")


# Roles that may change a ticket, from the least to the most powerful.
WORKING_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN)
SUPERVISING_ROLES = (Role.SUPERVISOR, Role.DEPARTMENT_ADMIN)
# Who may read and export the reports and the dashboard (officers may not); superusers always may.
REPORTING_ROLES = frozenset({*SUPERVISING_ROLES, Role.AUDITOR})


class AssignmentMode(models.TextChoices):
    INHERIT = "inherit", _("As the parent department")
    MANUAL = "manual", _("Manual: officers claim or are assigned")
    AUTO = "auto", _("Automatic: least-loaded officer on duty")


class Department(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True, help_text=_("Upper case, e.g. BSNL"))
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_hi = models.CharField(_("name (Hindi)"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    ticket_prefix = models.CharField(
        _("ticket prefix"), max_length=8, blank=True, help_text=_("Leading part of ticket numbers; empty: the code")
    )
    is_unit = models.BooleanField(
        _("is a unit"), default=False, help_text=_("A sub-unit (circle, city) that routes into its department")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Triage (issue 9): who hands out this department's (or unit's) new tickets. "inherit" follows the
    # parent; a root that inherits is manual.
    assignment_mode = models.CharField(
        _("assignment"),
        max_length=8,
        choices=AssignmentMode.choices,
        default=AssignmentMode.INHERIT,
        help_text=_("Automatic: each new ticket goes to the least-loaded officer on duty"),
    )
    # Automatic assignment never gives an officer more open tickets than this; empty: the parent's,
    # else the SEVA_MAX_OPEN_PER_OFFICER setting.
    max_open_per_officer = models.PositiveSmallIntegerField(_("most open tickets per officer"), null=True, blank=True)
    # Where a unit (a telecom or postal circle) serves, for the dashboard's map; empty: nowhere in
    # particular (a department, or a unit across states).
    state_code = models.CharField(
        _("state"), max_length=2, blank=True, default="", choices=STATE_CHOICES, help_text=_("For the dashboard's map")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="department_not_own_parent"),
            models.CheckConstraint(condition=models.Q(code__regex=r"^[A-Z0-9_]+$"), name="department_code_upper"),
            models.CheckConstraint(
                condition=models.Q(ticket_prefix="") | models.Q(ticket_prefix__regex=r"^[A-Z0-9]+$"),
                name="department_prefix_upper",
            ),
            # Ticket numbers start with the prefix, or the code when it is empty (`number_prefix`):
            # one department's numbers must never look like another's. Both are upper case.
            models.CheckConstraint(
                condition=models.Q(state_code="") | models.Q(state_code__in=sorted(STATES)),
                name="department_state_known",
            ),
            models.UniqueConstraint(
                Coalesce(NullIf("ticket_prefix", models.Value("")), "code"),
                name="department_number_prefix_unique",
                violation_error_message=_("Another department's ticket numbers already start with this prefix."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name_en}"

    @property
    def number_prefix(self) -> str:
        return self.ticket_prefix or self.code

    def name_in(self, language: str | None) -> str:
        return department_name_in(language, name_en=self.name_en, name_hi=self.name_hi)


def department_name_in(language: str | None, *, name_en: str, name_hi: str | None) -> str:
    """A department's name in `language` (a language code, "hi-IN" is Hindi): the Hindi name where
    one is set, else the English one (`Department.name_in`, for rows read without the model)."""
    return name_hi if name_hi and (language or "").startswith("hi") else name_en


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    on_duty = models.BooleanField(_("on duty"), default=True, help_text=_("Eligible for auto-assignment"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["department", "role"], name="membership_department_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.department.code}"


class OfficialAccount(models.Model):
    """An X account the ministry operates. Its own posts are never tickets."""

    handle = models.CharField(_("X handle"), max_length=15, help_text=_("Without the @"))
    x_user_id = models.CharField(_("X user id"), max_length=32, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="official_accounts")
    is_minister = models.BooleanField(_("minister's account"), default=False)

    class Meta:
        verbose_name = _("official account")
        verbose_name_plural = _("official accounts")
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="official_account_handle_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(x_user_id__regex=r"^[0-9]+$"), name="official_account_id_numeric"
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"


class Hashtag(models.Model):
    """A department hashtag such as #BSNLSeva; matched case-insensitively."""

    tag = models.CharField(_("hashtag"), max_length=100, help_text=_("Without the #"))
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="hashtags")

    class Meta:
        verbose_name = _("hashtag")
        verbose_name_plural = _("hashtags")
        constraints = [
            models.UniqueConstraint(Lower("tag"), name="hashtag_tag_ci_unique"),
            models.CheckConstraint(condition=~models.Q(tag__startswith="#"), name="hashtag_without_hash"),
        ]

    def __str__(self) -> str:
        return f"#{self.tag}"


class RoutingRule(models.Model):
    """A keyword or place that sends a tweet to a department or unit when no hashtag or mention does."""

    class Kind(models.TextChoices):
        KEYWORD = "keyword", _("Keyword")
        PLACE = "place", _("Place (circle or city)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.KEYWORD)
    pattern = models.CharField(_("word or phrase"), max_length=100, help_text=_("Matched case-insensitively"))
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="routing_rules")
    priority = models.PositiveIntegerField(_("order"), default=100, help_text=_("Lower runs first"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(Lower("pattern"), "kind", "department", name="routing_rule_unique"),
            models.CheckConstraint(condition=~models.Q(pattern=""), name="routing_rule_pattern_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pattern} → {self.department.code}"


class BusinessCalendar(models.Model):
    """When a department works: weekly periods (several a day), weekly offs and holidays.

    A department without a calendar of its own uses its nearest ancestor's.
    """

    department = models.OneToOneField(Department, on_delete=models.CASCADE, related_name="calendar")
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=40, default="Asia/Kolkata")

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class WorkingPeriod(models.Model):
    """One stretch of working time on a weekday; a day may have several (e.g. 09:30-13:00, 14:00-18:00).
    A weekday with no period is a weekly off."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("0 = Monday ... 6 = Sunday"))
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="working_period_weekday_valid"),
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="working_period_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday}: {self.starts:%H:%M}-{self.ends:%H:%M}"


class Holiday(models.Model):
    class Kind(models.TextChoices):
        GAZETTED = "gazetted", _("Gazetted holiday")
        STATE = "state", _("State holiday")
        RESTRICTED = "restricted", _("Restricted holiday")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GAZETTED)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_per_calendar")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Targets per department and priority, in business minutes of the department's calendar.
    A department without a policy for a priority uses its nearest ancestor's."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="sla_policies")
    priority = models.CharField(_("priority"), max_length=2)
    first_response_minutes = models.PositiveIntegerField(_("first response within (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolve within (business minutes)"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["department", "priority"], name="sla_policy_unique_priority"),
            models.CheckConstraint(
                condition=models.Q(priority__in=["p1", "p2", "p3", "p4"]), name="sla_policy_priority_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="sla_policy_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department.code} {self.priority}: {self.first_response_minutes}/{self.resolution_minutes} min"


class CannedResponse(models.Model):
    """A reusable reply per department, in English and Hindi. Placeholders: {number}, {citizen}."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="canned_responses")
    title = models.CharField(_("title"), max_length=100)
    text_en = models.TextField(_("text (English)"))
    text_hi = models.TextField(_("text (Hindi)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        constraints = [models.UniqueConstraint(fields=["department", "title"], name="canned_response_unique_title")]

    def __str__(self) -> str:
        return self.title
