from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A ministry staff member. What they may do comes from their department memberships."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=[("en", "English"), ("hi", "हिन्दी")], default="en"
    )
    # The morning mail of yesterday's figures (tickets.digest), for those it goes to: supervisors and
    # the ministry's office. On unless they turn it off.
    receives_daily_digest = models.BooleanField(
        _("receive the daily digest"),
        default=True,
        help_text=_("Each morning, yesterday's figures of your departments by mail, with the report attached."),
    )

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def __str__(self) -> str:
        return self.display_name or self.username


class DailyDigestSent(models.Model):
    """One daily digest mailed to one user for one day: the unique pair is what makes a second beat
    run, or a retried task, send nothing twice (tickets.digest.services)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("daily digest sent")
        verbose_name_plural = _("daily digests sent")
        constraints = [
            # Also the index of "was this user's digest of this day sent".
            models.UniqueConstraint(fields=["user", "day"], name="daily_digest_once_per_user_and_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.day}"
