"""What arrived, before anything else is done with it: the inbox, dead letters and poll cursors."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Door(models.TextChoices):
    SEARCH = "search", _("Recent search poller")
    STREAM = "stream", _("Filtered stream")
    WEBHOOK = "webhook", _("Account Activity webhook")
    FILE = "file", _("File import")
    REPLAY = "replay", _("Dead-letter replay")


class InboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    DONE = "done", _("Processed")


class Outcome(models.TextChoices):
    CREATED = "created", _("Opened a ticket")
    THREADED = "threaded", _("Joined a ticket")
    REOPENED = "reopened", _("Reopened a ticket")
    EDITED = "edited", _("Updated an edited tweet")
    OFFICIAL_REPLY = "official_reply", _("Recorded as the department's reply")
    FEEDBACK = "feedback", _("Rated a resolved ticket")
    IGNORED = "ignored", _("Not a ticket")
    DUPLICATE = "duplicate", _("Seen before")
    DEAD = "dead", _("Could not be parsed")


class InboxTweet(models.Model):
    """One tweet exactly as it arrived, keyed by its id: a second delivery by any door is a no-op."""

    tweet_id = models.BigIntegerField(primary_key=True)
    door = models.CharField(max_length=8, choices=Door.choices)
    envelope = models.JSONField(help_text=_("The raw tweet with what it needs of the includes"))
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=8, choices=InboxState.choices, default=InboxState.PENDING)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    # The ticket it went to, if any (no foreign key: ingestion never blocks a ticket change).
    ticket_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbox tweet")
        indexes = [
            models.Index(fields=["received_at"], name="inbox_pending_received", condition=Q(state="pending")),
        ]

    def __str__(self) -> str:
        return str(self.tweet_id)


class DeadLetter(models.Model):
    """A payload that could not be read, kept whole with the reason, until someone replays it."""

    door = models.CharField(max_length=8, choices=Door.choices)
    raw = models.TextField()
    # sha256 of the raw payload: the same bad payload delivered again is the same dead letter.
    fingerprint = models.CharField(max_length=64, unique=True)
    reason = models.TextField()
    tweet_id = models.CharField(max_length=40, blank=True)
    # Whose it is: the department its hashtags or mentions route to (or the ticket a refused edit
    # named), set when it is stored. Null: it routes nowhere, so only ministry admins read it.
    department = models.ForeignKey(
        "departments.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("department"),
    )
    received_at = models.DateTimeField(default=timezone.now)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replay_result = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["received_at"], name="dead_letter_open", condition=Q(replayed_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.reason[:60]}"


class PollCursor(models.Model):
    """The newest tweet id seen per recent-search query (`since_id` for the next poll)."""

    query_key = models.CharField(max_length=64, unique=True)
    query = models.TextField()
    since_id = models.BigIntegerField(null=True, blank=True)
    polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_error = models.TextField(blank=True)
    # How busy the query is: new tweets per hour between its polls, smoothed over the last few polls.
    # The search scheduler polls the busiest more often (ingestion.doors.search).
    tweets_per_hour = models.FloatField(_("tweets per hour"), default=0.0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(tweets_per_hour__gte=0), name="poll_cursor_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return self.query_key


class StreamRuleRefusal(models.Model):
    """A stream rule X refused to create (invalid, a duplicate, over the plan's cap), with X's reason."""

    refused_at = models.DateTimeField(_("refused at"), default=timezone.now)
    value = models.TextField(_("rule"), blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    problem_type = models.CharField(_("problem type"), max_length=200, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("stream rule refusal")
        verbose_name_plural = _("stream rule refusals")
        indexes = [models.Index(fields=["refused_at"], name="stream_rule_refused_at")]

    def __str__(self) -> str:
        return f"{self.refused_at:%Y-%m-%d %H:%M} {self.title}"


class CredentialStatus(models.TextChoices):
    # The tokens work as far as we know; posting uses them.
    ACTIVE = "active", _("Connected")
    # The last refresh did not go through (X down, a timeout): retried by the beat and before each post.
    REFRESH_FAILED = "refresh_failed", _("Refresh failed, retrying")
    # X refused the refresh token (revoked, already spent): a ministry admin must connect the account again.
    RECONNECT = "reconnect", _("Connect again")


class CredentialSource(models.TextChoices):
    OAUTH2_PKCE = "pkce", _("Connected on X by an admin")
    IMPORTED = "imported", _("Loaded from X_ACCOUNT_TOKENS")


class AccountCredential(models.Model):
    """An official account's posting credentials. Every token is stored encrypted (Fernet, keys in
    SEVA_TOKEN_KEYS: ingestion.credentials.crypto) and never leaves the server: no admin field, form
    or API shows it. Written only by ingestion.credentials.services."""

    account = models.OneToOneField(
        "departments.OfficialAccount",
        on_delete=models.CASCADE,
        related_name="credential",
        verbose_name=_("official account"),
    )
    # OAuth 2.0 user context (PKCE): the access token, and the single-use refresh token that renews it.
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, help_text=_("Empty: not known"))
    scopes = models.CharField(_("scopes"), max_length=500, blank=True)
    # OAuth 1.0a user context: a token and its secret, which do not expire (X_API.md 1).
    oauth1_token_encrypted = models.TextField(blank=True)
    oauth1_secret_encrypted = models.TextField(blank=True)
    # The X user the tokens were issued to, as X said when they were saved.
    x_user_id = models.CharField(_("X user id"), max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=CredentialSource.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=CredentialStatus.choices, default=CredentialStatus.ACTIVE
    )
    last_error = models.TextField(_("last error"), blank=True)
    connected_at = models.DateTimeField(_("connected"), default=timezone.now)
    connected_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("connected by"),
    )
    refreshed_at = models.DateTimeField(_("last refreshed"), null=True, blank=True)

    class Meta:
        verbose_name = _("account credential")
        verbose_name_plural = _("account credentials")
        constraints = [
            models.CheckConstraint(
                condition=~Q(access_token_encrypted="") | ~Q(oauth1_token_encrypted=""),
                name="credential_has_a_token",
            ),
            models.CheckConstraint(
                condition=Q(refresh_token_encrypted="") | ~Q(access_token_encrypted=""),
                name="credential_refresh_needs_access",
            ),
            models.CheckConstraint(
                condition=Q(oauth1_token_encrypted="", oauth1_secret_encrypted="")
                | (~Q(oauth1_token_encrypted="") & ~Q(oauth1_secret_encrypted="")),
                name="credential_oauth1_pair",
            ),
        ]
        indexes = [
            # The beat's question: which refreshable tokens expire soon.
            models.Index(
                fields=["expires_at"],
                name="credential_refreshable",
                condition=~Q(refresh_token_encrypted="") & ~Q(status="reconnect"),
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.account.handle}"
