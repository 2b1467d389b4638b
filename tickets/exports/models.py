"""An export job: one request for the accountability report as a file, and where that file is."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Department


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"
    JSON = "json", "JSON"


class ExportState(models.TextChoices):
    # Waiting for a worker (or, for a small report, for the request to build it).
    QUEUED = "queued", _("Queued")
    # A worker is writing the file; rows_done says how far it is.
    BUILDING = "building", _("Building")
    # The file is complete and may be downloaded until expires_at.
    READY = "ready", _("Ready")
    # The build stopped (no right any more, an error, a time limit); failure_reason says why.
    FAILED = "failed", _("Failed")
    # The file was deleted after SEVA_EXPORT_RETENTION_DAYS; its size and hash stay on record.
    EXPIRED = "expired", _("Expired")


# A file's name under MEDIA_ROOT/exports/: random hex and the format's extension (tickets.exports.files).
FILE_NAME_PATTERN = r"^[0-9a-f]{32}\.(csv|xlsx|pdf|json)$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class ExportJob(models.Model):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs", db_index=False
    )
    # Null: every department the requester may report on.
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    # The requester's language when they asked: a Hindi reader's file carries Hindi names.
    language = models.CharField(max_length=12, default="en")
    state = models.CharField(_("state"), max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    rows_done = models.PositiveBigIntegerField(default=0)
    # Null until counted.
    rows_total = models.PositiveBigIntegerField(null=True, blank=True)
    # Set when the build starts; never derived from anything a user typed.
    file_name = models.CharField(max_length=40, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # The builder's last sign of life: a redelivered task takes over a build that has gone quiet.
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ExportState.values), name="export_state_valid"),
            models.CheckConstraint(condition=Q(format__in=ExportFormat.values), name="export_format_valid"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="export_period_in_order"),
            models.CheckConstraint(
                condition=Q(rows_total__isnull=True) | Q(rows_done__lte=F("rows_total")),
                name="export_rows_done_within_total",
            ),
            models.CheckConstraint(
                condition=Q(file_name="") | Q(file_name__regex=FILE_NAME_PATTERN), name="export_file_name_random"
            ),
            models.CheckConstraint(condition=Q(sha256="") | Q(sha256__regex=SHA256_PATTERN), name="export_sha256_hex"),
            # Queued: nothing started. Building: started, no result yet.
            models.CheckConstraint(
                condition=~Q(state=ExportState.QUEUED)
                | Q(started_at__isnull=True, finished_at__isnull=True, file_name="", sha256=""),
                name="export_queued_not_started",
            ),
            models.CheckConstraint(
                condition=~Q(state=ExportState.BUILDING)
                | (Q(started_at__isnull=False, finished_at__isnull=True, sha256="") & ~Q(file_name="")),
                name="export_building_has_file_name",
            ),
            # Ready: a complete file, its size and hash, kept until expires_at.
            models.CheckConstraint(
                condition=~Q(state=ExportState.READY)
                | (
                    Q(
                        started_at__isnull=False,
                        finished_at__isnull=False,
                        expires_at__gt=F("finished_at"),
                        size_bytes__isnull=False,
                        rows_total=F("rows_done"),
                    )
                    & ~Q(file_name="")
                    & ~Q(sha256="")
                ),
                name="export_ready_has_file",
            ),
            models.CheckConstraint(
                condition=~Q(state=ExportState.FAILED)
                | (Q(finished_at__isnull=False, file_name="", sha256="") & ~Q(failure_reason="")),
                name="export_failed_has_reason",
            ),
            # Expired: the file is gone; what it was (size, hash) stays.
            models.CheckConstraint(
                condition=~Q(state=ExportState.EXPIRED)
                | (Q(finished_at__isnull=False, size_bytes__isnull=False, file_name="") & ~Q(sha256="")),
                name="export_expired_file_gone",
            ),
            models.UniqueConstraint(fields=["file_name"], condition=~Q(file_name=""), name="export_file_name_unique"),
        ]
        indexes = [
            # "My exports", newest first.
            models.Index(fields=["requested_by", "-id"], name="export_requester_id"),
            # The expiry sweep reads only ready files, by when they expire.
            models.Index(fields=["expires_at"], name="export_ready_expiry", condition=Q(state=ExportState.READY)),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.format}, {self.state})"
