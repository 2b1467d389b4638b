"""The department tree and who may act on it.

A membership on a department grants its role on that department and every descendant;
`departments.selectors.department_scope` computes that in one recursive SQL query.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


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
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name_en}"

    @property
    def number_prefix(self) -> str:
        return self.ticket_prefix or self.code


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
