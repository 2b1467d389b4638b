"""Tickets, their messages (tweets in, replies out: the outbox), and the append-only audit trail."""

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Department, OfficialAccount, department_name_in
from tickets.lifecycle import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Priority, Status


def scope_department_id(*, department_id: int, unit_id: int | None) -> int:
    """The department whose staff, calendar and SLA policy govern a ticket: its unit, else its
    department (`Ticket.scope_department_id`; in SQL, `scope_department_sql`)."""
    return unit_id or department_id


def scope_department_sql(alias: str) -> str:
    """`scope_department_id` in SQL, for the tickets_ticket row aliased `alias`."""
    return f"COALESCE({alias}.unit_id, {alias}.department_id)"


# The breach rule, per SLA target: answered (resolved) after the due time, or still open past it
# with no answer (resolution); a paused clock stopped at `sla_paused_at`, so the pause is not late.
# Rejected tickets never breach by staying unresolved. The dashboard, the queue's filter and the
# report all count with these.
def first_response_missed_q(now: datetime) -> Q:
    clock = Coalesce(F("sla_paused_at"), Value(now))
    return Q(first_responded_at__gt=F("first_response_due_at")) | Q(
        status__in=OPEN_STATUSES, first_responded_at__isnull=True, first_response_due_at__lt=clock
    )


def resolution_missed_q(now: datetime) -> Q:
    clock = Coalesce(F("sla_paused_at"), Value(now))
    return Q(resolved_at__gt=F("resolution_due_at")) | Q(
        status__in=OPEN_STATUSES, resolved_at__isnull=True, resolution_due_at__lt=clock
    )


def ticket_breached_q(now: datetime) -> Q:
    """Tickets that missed a target (either of them), at `now`."""
    return first_response_missed_q(now) | resolution_missed_q(now)


# Stand for "no due time" in the queue's order, after every real one: an open ticket with no target
# or paused before missing it, then (last) a closed ticket. Two values, so "open only" is also a range
# of the index (queue_due_at < QUEUE_CLOSED_AT) and a scan for open tickets stops where closed ones begin.
QUEUE_NO_DUE_AT = datetime(9998, 1, 1, tzinfo=UTC)
QUEUE_CLOSED_AT = datetime(9999, 1, 1, tzinfo=UTC)


def _queue_due_at_expression():
    """The queue's urgency key (`Ticket.queue_due_at`): for an open ticket the due time it works towards
    (the first response while unanswered, else the resolution), or the target it already missed. So
    sorting by it puts every breached ticket (key before now) ahead of every other (key from now on),
    without now in the key, and one index serves the order. A paused ticket that has not missed its
    target waits on the citizen: it goes last, with closed tickets."""
    answered_on_time = Q(first_responded_at__isnull=False) & ~Q(first_responded_at__gt=F("first_response_due_at"))
    due = models.Case(
        models.When(answered_on_time, then=F("resolution_due_at")),
        default=Least("first_response_due_at", "resolution_due_at"),
    )
    no_due = Value(QUEUE_NO_DUE_AT)
    return models.Case(
        models.When(~Q(status__in=sorted(OPEN_STATUSES)), then=Value(QUEUE_CLOSED_AT)),
        models.When(
            Q(sla_paused_at__isnull=False),
            then=models.Case(
                models.When(models.lookups.LessThan(due, F("sla_paused_at")), then=due),
                default=no_due,
            ),
        ),
        default=Coalesce(due, no_due),
        output_field=models.DateTimeField(),
    )


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TicketQuerySet":
        """The one scoping function for every read of tickets: a membership on a department covers
        its tickets and those of every department and unit below it."""
        from departments.selectors import department_ids_in_scope_sql

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        scope = department_ids_in_scope_sql(user=user)
        return self.filter(Q(department_id__in=scope) | Q(unit_id__in=scope))


class Ticket(models.Model):
    # Foreign keys below carry no index of their own where a composite or partial index in Meta
    # already starts with them: every index costs each ingested ticket a write.
    number = models.CharField(_("number"), max_length=32)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="tickets", db_index=False)
    unit = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="unit_tickets", db_index=False
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, default=Priority.P3)
    # Triage (issue 9): the category (its code, `category_id`), the rule that set priority and category at intake
    # (null: none matched, or an officer changed them), and why, as shown on the ticket.
    # Null: no rule matched and nobody chose one, shown and served as "other" (OTHER_CATEGORY).
    category = models.ForeignKey(
        "tickets.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("category"),
    )
    triage_rule = models.ForeignKey(
        "tickets.TriageRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    triage_reason = models.CharField(_("why this priority"), max_length=300, blank=True, db_default="")
    incident = models.ForeignKey(
        "tickets.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", db_index=False
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
        db_index=False,
    )
    # The citizen, as X knows them.
    citizen_x_user_id = models.BigIntegerField(_("citizen X user id"), null=True, blank=True)
    citizen_handle = models.CharField(_("citizen handle"), max_length=50, blank=True)
    # The thread on X this ticket lives in, and the tweet that opened it.
    conversation_id = models.BigIntegerField(_("conversation id"))
    opening_tweet_id = models.BigIntegerField(_("opening tweet id"))
    subject = models.CharField(_("subject"), max_length=280, blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    # The official account the citizen summoned; replies are sent from it. Null: reply by hand.
    reply_account = models.ForeignKey(
        OfficialAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    needs_manual_reply = models.BooleanField(_("needs a manual reply"), default=False)
    # A ticket opened by a tweet in the thread of a ticket resolved long ago points at the old one.
    follows_ticket = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged", db_index=False
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    tweeted_at = models.DateTimeField(_("tweeted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first responded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Business time (the governing calendar's working seconds) from creation to the first response
    # and to the resolution, for the dashboard's and the report's percentiles, which SQL can then
    # take. Filled after the fact by `ticket_business_times_fill` (beat), so no writer of the
    # timestamps has to know calendars; a trigger (migration 0015) clears each when its timestamp
    # changes, so a reopened ticket never keeps its old figure.
    first_response_business_seconds = models.PositiveIntegerField(
        _("first response, business seconds"), null=True, blank=True, editable=False
    )
    resolution_business_seconds = models.PositiveIntegerField(
        _("resolution, business seconds"), null=True, blank=True, editable=False
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # Set while the ticket waits on the citizen: the SLA clock is paused from this moment.
    sla_paused_at = models.DateTimeField(_("SLA clock paused"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    # Kept by PostgreSQL from the columns above, so no writer can forget it.
    queue_due_at = models.GeneratedField(
        expression=_queue_due_at_expression(), output_field=models.DateTimeField(), db_persist=True
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="ticket_number_unique"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="ticket_status_valid"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="ticket_priority_valid"),
            models.CheckConstraint(condition=Q(escalation_level__lte=3), name="ticket_escalation_level_max_3"),
            models.CheckConstraint(
                condition=~Q(status=Status.RESOLVED) | Q(resolved_at__isnull=False), name="ticket_resolved_has_time"
            ),
            models.CheckConstraint(condition=~Q(merged_into=models.F("id")), name="ticket_not_merged_into_itself"),
            models.CheckConstraint(
                condition=Q(first_response_business_seconds__isnull=True) | Q(first_responded_at__isnull=False),
                name="ticket_first_response_seconds_has_time",
            ),
            models.CheckConstraint(
                condition=Q(resolution_business_seconds__isnull=True) | Q(resolved_at__isnull=False),
                name="ticket_resolution_seconds_has_time",
            ),
        ]
        indexes = [
            # The staff list: a department's tickets by status, newest first.
            models.Index(fields=["department", "status", "-id"], name="ticket_dept_status_id"),
            models.Index(
                fields=["unit", "status", "-id"], name="ticket_unit_status_id", condition=Q(unit__isnull=False)
            ),
            models.Index(fields=["conversation_id"], name="ticket_conversation"),
            models.Index(
                fields=["assigned_to", "status"], name="ticket_assignee_status", condition=Q(assigned_to__isnull=False)
            ),
            # Tickets are written in time order, so a block-range index answers date ranges at a
            # fraction of a B-tree's upkeep.
            BrinIndex(fields=["created_at"], name="ticket_created_at_brin"),
            models.Index(fields=["status", "-id"], name="ticket_status_id"),
            models.Index(fields=["merged_into"], name="ticket_merged_into", condition=Q(merged_into__isnull=False)),
            models.Index(fields=["incident", "id"], name="ticket_incident", condition=Q(incident__isnull=False)),
            # What `ticket_business_times_fill` has left to do: small, since it is emptied every minute.
            models.Index(
                fields=["id"],
                name="ticket_business_times_unfilled",
                condition=(Q(first_responded_at__isnull=False) & Q(first_response_business_seconds__isnull=True))
                | (Q(resolved_at__isnull=False) & Q(resolution_business_seconds__isnull=True)),
            ),
            # The queue's search ("q") reads a column Django does not know, tickets_ticket.search_document:
            # the words of the subject and of every message but acknowledgements ('simple' config, so Hindi
            # and Hinglish words index as typed), kept by triggers and GIN-indexed (migration 0012;
            # tickets.selectors.ticket_filter_text).
            # The SLA sweep (tickets/services/sla_sweep.py) reads only tickets whose clock runs, by due time, so
            # it costs what is overdue, not what is open; its WHERE repeats these conditions. Not
            # escalation_level: a column in a predicate makes every sweep's UPDATE of it non-HOT.
            models.Index(
                fields=["first_response_due_at"],
                name="ticket_sla_first_response_due",
                condition=Q(
                    first_responded_at__isnull=True,
                    sla_paused_at__isnull=True,
                    status__in=sorted(CLOCK_RUNNING_STATUSES),
                ),
            ),
            models.Index(
                fields=["resolution_due_at"],
                name="ticket_sla_resolution_due",
                condition=Q(
                    resolved_at__isnull=True,
                    sla_paused_at__isnull=True,
                    status__in=sorted(CLOCK_RUNNING_STATUSES),
                ),
            ),
            # The queue's default order (tickets.selectors.QUEUE_URGENCY_ORDER): breached first, then by the
            # next due time, then priority. Every ticket, so the order needs no status filter to be served.
            # The columns after the order's are the queue's usual filters, tested in the index, so a filter
            # that keeps few tickets costs no heap read for those it drops.
            models.Index(
                fields=["queue_due_at", "priority", "id", "status", "department", "unit", "assigned_to"],
                name="ticket_queue_urgency",
            ),
            # The queue's incident rows (tickets.workspace.selectors.queue_incident_rows): the open tickets of
            # incidents, grouped, without reading the many closed ones of past incidents.
            models.Index(
                fields=["incident", "queue_due_at"],
                include=["id", "department", "unit", "status", "priority", "assigned_to"],
                name="ticket_incident_open",
                condition=Q(incident__isnull=False, queue_due_at__lt=QUEUE_CLOSED_AT),
            ),
            # The citizen's earlier tickets, on the ticket page.
            models.Index(
                fields=["citizen_x_user_id", "-id"],
                name="ticket_citizen",
                condition=Q(citizen_x_user_id__isnull=False),
            ),
            # Resolved tickets waiting to close themselves.
            models.Index(fields=["resolved_at"], name="ticket_resolved_to_close", condition=Q(status=Status.RESOLVED)),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def scope_department_id(self) -> int:
        return scope_department_id(department_id=self.department_id, unit_id=self.unit_id)


class Direction(models.TextChoices):
    IN = "in", _("From the citizen")
    OUT = "out", _("To the citizen")


class MessageKind(models.TextChoices):
    # A citizen's tweet.
    TWEET = "tweet", _("Tweet")
    # The automatic acknowledgement with the ticket number.
    ACKNOWLEDGEMENT = "ack", _("Acknowledgement")
    # An officer's reply.
    REPLY = "reply", _("Reply")
    # A reply the department posted on X itself (seen echoing back through ingestion).
    OFFICIAL_TWEET = "official", _("Department's own tweet")
    # An incident's resolution, posted to each citizen of its tickets.
    INCIDENT_RESOLUTION = "incident", _("Incident resolution")


class Delivery(models.TextChoices):
    # Outbound only. Waiting in the outbox.
    QUEUED = "queued", _("Queued")
    # Handed to the X API; if we crash now, the send may or may not have happened: reconcile, never resend blindly.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    # A permanent error (duplicate content, not allowed, usage cap); shown on the ticket, not retried.
    FAILED = "failed", _("Failed")
    # No official account was summoned: an officer must reply by hand.
    MANUAL = "manual", _("Needs a manual reply")
    # An acknowledgement that was no longer useful (ticket answered, citizen acknowledged already): never sent.
    DROPPED = "dropped", _("Not sent: no longer needed")


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.TWEET)
    # The tweet on X: the citizen's (in) or ours once posted (out). The current version when edited.
    tweet_id = models.BigIntegerField(_("tweet id"), null=True, blank=True, unique=True)
    # Earlier versions of an edited tweet (shown with the message; looked up via PreviousTweetVersion).
    previous_tweet_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    in_reply_to_tweet_id = models.BigIntegerField(null=True, blank=True)
    author_x_user_id = models.BigIntegerField(null=True, blank=True)
    author_handle = models.CharField(max_length=50, blank=True)
    text = models.TextField()
    language = models.CharField(max_length=12, blank=True)
    media = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Outbox (direction "out" only).
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    from_account = models.ForeignKey(
        OfficialAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    delivery = models.CharField(max_length=8, choices=Delivery.choices, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A reply too long for one post is a numbered thread: part 1 of N, each part its own row.
    thread_part = models.PositiveSmallIntegerField(default=1)
    thread_parts = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction=Direction.IN, delivery="") | Q(direction=Direction.OUT),
                name="message_inbound_has_no_delivery",
            ),
            models.CheckConstraint(
                condition=~Q(delivery=Delivery.SENT) | Q(tweet_id__isnull=False), name="message_sent_has_tweet_id"
            ),
            # Partial: the citizens' tweets (most rows) have no key and stay out of this index.
            models.UniqueConstraint(
                fields=["idempotency_key"],
                name="message_idempotency_key_unique",
                condition=Q(idempotency_key__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_time"),
            # The outbox: what is due to be sent.
            models.Index(
                fields=["next_attempt_at"],
                name="message_outbox_due",
                condition=Q(delivery__in=[Delivery.QUEUED, Delivery.SENDING]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.direction}:{self.tweet_id or self.pk}"


class TicketSequence(models.Model):
    """The last number given per prefix and month: `BSNL-2611-000123` is prefix BSNL, period 2611, 123."""

    prefix = models.CharField(max_length=8)
    period = models.CharField(max_length=4)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "period"], name="ticket_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.period}: {self.last_value}"


# Each kind is written by its builder in tickets.events, whose docstrings give its stored keys.
class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    THREADED = "threaded", _("Citizen tweet added")
    EDITED = "edited", _("Citizen edited a tweet")
    OFFICIAL_REPLY_SEEN = "official_reply", _("Department replied on X")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    REOPENED = "reopened", _("Reopened")
    REPLIED = "replied", _("Reply queued")
    REPLY_SENT = "reply_sent", _("Reply posted")
    REPLY_FAILED = "reply_failed", _("Reply failed")
    NOTE = "note", _("Internal note")
    TRANSFERRED = "transferred", _("Transferred")
    ESCALATED = "escalated", _("Escalated")
    ESCALATION_ACKNOWLEDGED = "escalation_ack", _("Escalation acknowledged")
    MERGED = "merged", _("Merged")
    FEEDBACK = "feedback", _("Feedback")
    EXPORTED = "exported", _("Exported")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    OTP_ENROLLED = "otp_enrolled", _("Two-factor sign-in enrolled")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_CHANGED = "role_changed", _("Role changed")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    CONFIG_CHANGED = "config_changed", _("Configuration changed")
    TRIAGE_CHANGED = "triage_changed", _("Priority or category changed")
    INCIDENT_OPENED = "incident_opened", _("Incident opened")
    INCIDENT_JOINED = "incident_joined", _("Joined an incident")
    INCIDENT_LEFT = "incident_left", _("Left an incident")
    INCIDENT_MERGED = "incident_merged", _("Incidents merged")
    INCIDENT_NOTE = "incident_note", _("Incident note written")
    INCIDENT_RESOLVED = "incident_resolved", _("Incident resolved")
    DUTY_CHANGED = "duty_changed", _("On or off duty")
    ACK_DROPPED = "ack_dropped", _("Acknowledgement dropped")
    ACCOUNT_CONNECTED = "account_connected", _("Official account connected on X")
    ACCOUNT_REFRESHED = "account_refreshed", _("Official account's token refreshed")
    ACCOUNT_REFRESH_FAILED = "refresh_failed", _("Official account's token refresh failed")
    ACCOUNT_DISCONNECTED = "account_disconnected", _("Official account disconnected from X")


class AuditEvent(models.Model):
    """An append-only, hash-chained record of something that happened. Never updated or deleted:
    the database refuses it (see the migration), and `verify_audit_chain` finds any tampering."""

    kind = models.CharField(max_length=20, choices=EventKind.choices)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    # Not unique-indexed: the chain itself proves integrity, and an index over random hashes is the
    # costliest write of every event.
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["ticket", "id"], name="event_ticket_id", condition=Q(ticket__isnull=False)),
            BrinIndex(fields=["created_at"], name="event_created_at_brin"),
            # Events of no ticket (logins, exports) and what a given person did.
            models.Index(fields=["kind", "created_at"], name="event_kind_time", condition=Q(ticket__isnull=True)),
            models.Index(fields=["actor", "id"], name="event_actor_id", condition=Q(actor__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.kind}@{self.created_at:%Y-%m-%d %H:%M}"


class AuditChainHead(models.Model):
    """One row: the hash of the newest event. Appenders lock it, so the chain has one order."""

    last_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_chain_head_single_row")]

    def __str__(self) -> str:
        return self.last_hash


class Escalation(models.Model):
    """A ticket that passed an SLA target, in the supervisors' queue until one acknowledges it."""

    class Level(models.IntegerChoices):
        # The first-response target passed: the unit's supervisors.
        L1 = 1, _("L1 · first response late")
        # The resolution target passed: the department's supervisors.
        L2 = 2, _("L2 · resolution late")
        # Twice the resolution target passed, or a citizen appealed a poor rating: the ministry.
        L3 = 3, _("L3 · ministry")

    class Reason(models.TextChoices):
        SLA = "sla", _("SLA target passed")
        APPEAL = "appeal", _("Citizen appealed a low rating")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    reason = models.CharField(max_length=8, choices=Reason.choices, default=Reason.SLA)
    # Whose supervisors must act: the unit, the department, or the ministry.
    notify_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    target_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # Each level once per ticket and notified department, whatever runs the sweep and however
            # often; a transferred ticket is escalated again, to its new department.
            models.UniqueConstraint(
                fields=["ticket", "level", "reason", "notify_department"], name="escalation_once_per_level"
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="escalation_level_1_to_3"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="escalation_acknowledged_by_someone",
            ),
        ]
        indexes = [
            models.Index(
                fields=["notify_department", "raised_at"],
                name="escalation_open_queue",
                condition=Q(acknowledged_at__isnull=True),
            ),
            # The dashboard's escalations and appeals of a period.
            models.Index(fields=["raised_at"], name="escalation_raised_at"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} L{self.level}"


class InternalNote(models.Model):
    """Staff-only notes on a ticket; never shown to the citizen."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.text[:40]}"


class Feedback(models.Model):
    """The citizen's rating (1 to 5) of a resolved ticket, given by replying on X."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    tweet_id = models.BigIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5")
        ]
        # The dashboard's ratings of a period.
        indexes = [models.Index(fields=["created_at"], name="feedback_created_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.rating}"


class PreviousTweetVersion(models.Model):
    """An earlier id of an edited tweet, pointing at the message that holds its newest version, so a
    ticket is found by any version's id with one primary-key lookup."""

    tweet_id = models.BigIntegerField(primary_key=True)
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="previous_versions")
    # That version's text, so an edit never loses what the citizen first wrote; "" for a version
    # no door ever delivered (X names every earlier id, but we may not have seen them all).
    text = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"{self.tweet_id} -> {self.message_id}"


# The category of a ticket no rule matched (its category is null).
OTHER_CATEGORY = "other"


class Category(models.Model):
    """What a ticket is about (no signal, billing, money deducted, ...): set by triage rules at
    intake, changed by officers. Keyed by its code, so a ticket's `category_id` is the code.

    A category is one ministry's (a root of the department tree), or shared by all when `ministry`
    is empty; a ticket, rule or incident takes only the shared ones and its own ministry's
    (tickets.selectors.category_list_for). Codes are one list across ministries."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_hi = models.CharField(_("name (Hindi)"), max_length=100, blank=True)
    ministry = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="categories",
        limit_choices_to={"parent__isnull": True},
        verbose_name=_("ministry"),
        help_text=_("Empty: shared by every ministry"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name_en

    def name_in(self, language: str | None) -> str:
        return department_name_in(language, name_en=self.name_en, name_hi=self.name_hi)


class TriageRule(models.Model):
    """A cue (words or phrases, one per line, in English, Hindi or romanised Hindi) that gives a new
    ticket of its department, or of any unit below it, a priority and a category."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="triage_rules", verbose_name=_("department")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Shown on the ticket, e.g. money deducted"))
    cues = models.TextField(_("cues"), help_text=_("One word or phrase per line; any one matching is enough"))
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="rules", verbose_name=_("category"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["department", "priority", "id"]
        verbose_name = _("triage rule")
        verbose_name_plural = _("triage rules")
        constraints = [
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="triage_rule_priority_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.department.code}: {self.name}"


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    # Merged into another incident, which now holds its tickets.
    MERGED = "merged", _("Merged")


class Incident(models.Model):
    """Many citizens reporting the same thing in the same place at once (an outage in Pune): its
    tickets are worked, and resolved, together."""

    title = models.CharField(_("title"), max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="incidents")
    unit = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="unit_incidents"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    # Shown on the public status page of each of its tickets.
    public_note = models.TextField(_("public note"), blank=True)
    resolution_note = models.TextField(_("resolution"), blank=True)
    # Null: opened by detection at intake.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged", db_index=False
    )
    # What detection matches later tickets against (its shared words, a text signature); free form
    # for the detector.
    signature = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=IncidentStatus.values), name="incident_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=IncidentStatus.RESOLVED) | Q(resolved_at__isnull=False),
                name="incident_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=IncidentStatus.MERGED) | Q(merged_into__isnull=False),
                name="incident_merged_has_target",
            ),
            models.CheckConstraint(condition=~Q(merged_into=F("id")), name="incident_not_merged_into_itself"),
        ]
        indexes = [
            models.Index(fields=["department", "unit"], name="incident_open", condition=Q(status=IncidentStatus.OPEN)),
        ]

    def __str__(self) -> str:
        return self.title


class IncidentBaseline(models.Model):
    """A unit's usual rate of new tickets, per category ("" for none), for surge detection
    (tickets.triage.surge): an exponentially decayed count, as of `updated_at`. One row per unit and
    category, updated once per intake batch; tickets that join an incident do not count (a surge is
    not the usual)."""

    scope_department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+", db_index=False)
    category_key = models.CharField(max_length=40, blank=True)
    level = models.FloatField(default=0.0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope_department", "category_key"], name="incident_baseline_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scope_department_id}/{self.category_key or '-'}: {self.level:.1f}"


class SavedFilter(models.Model):
    """A queue filter a user saved under a name: the queue's query string. Only its owner sees it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Also the index of "this user's filters".
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_unique_per_user"),
        ]

    def __str__(self) -> str:
        return self.name


class DashboardRollup(models.Model):
    """The dashboard's counts per hour of India's clock, department, unit and category: tickets
    received (created in the hour), resolved (resolved in it), and due (their resolution target in
    it; rejected tickets have none to meet), of which met (resolved by the target) and waiting (still
    unresolved, the clock paused on the citizen before the target). Kept by statement-level triggers
    on tickets_ticket (migration 0016), so every writer (the intake's bulk SQL, the SLA sweep, the
    services, a bench's INSERT ... SELECT) keeps it exact and at once; Django never writes it.

    Rows are deltas, only ever inserted (+1 and -1 per statement and key): no writer waits on another
    for a hot row (this hour's, which intake and every officer touch), so no lock order to get wrong.
    Readers sum them; dashboard_rollup_compact (beat) folds each key's deltas into one row."""

    hour = models.DateTimeField()
    department = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+", db_index=False
    )
    category = models.ForeignKey(
        Category, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+", db_index=False
    )
    received = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    due = models.IntegerField(default=0)
    due_met = models.IntegerField(default=0)
    due_waiting = models.IntegerField(default=0)

    class Meta:
        # Every dashboard read goes through it: a period is a range of hours.
        indexes = [models.Index(fields=["hour"], name="dashboard_rollup_hour")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.department_id}/{self.unit_id}/{self.category_id}"


class DashboardDuration(models.Model):
    """How many tickets took how long, in business time, per India day, department and unit: to the
    first response (by the day of the response) and to resolution (by the day resolved). A histogram,
    since percentiles cannot be summed: bucket b holds times whose minutes m satisfy
    floor(40 * ln(1 + m)) = b, so a percentile read from it is within 1.3% of the exact one
    (tickets.dashboard.figures.bucket_minutes). Kept by the triggers of DashboardRollup (migration
    0016), from the business seconds ticket_business_times_fill writes; deltas too, like theirs."""

    class Measure(models.IntegerChoices):
        FIRST_RESPONSE = 1, _("first response")
        RESOLUTION = 2, _("resolution")

    day = models.DateField()
    department = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+", db_index=False
    )
    measure = models.PositiveSmallIntegerField(choices=Measure.choices)
    bucket = models.PositiveSmallIntegerField()
    tickets = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="dashboard_duration_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.department_id}/{self.unit_id} {self.measure}:{self.bucket}={self.tickets}"


class DashboardOpen(models.Model):
    """Open tickets per department, unit and India hour of their urgency key (Ticket.queue_due_at:
    the target an open ticket works towards or already missed; QUEUE_NO_DUE_AT's hour for none), so
    the dashboard counts what is open, and past a target (every hour before the current one, and the
    current hour's few from the urgency index), without reading the open tickets. Deltas kept by the
    triggers of DashboardRollup (migration 0016), folded by dashboard_rollup_compact."""

    due_hour = models.DateTimeField()
    department = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+", db_index=False
    )
    tickets = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.due_hour:%Y-%m-%d %H}h {self.department_id}/{self.unit_id}: {self.tickets}"


# Declared in their own module (tickets.exports), registered with the app here.
from tickets.exports.models import ExportJob  # noqa: E402, F401
