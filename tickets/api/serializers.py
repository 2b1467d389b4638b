from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import OTHER_CATEGORY, AuditEvent, Ticket, TicketMessage


class TicketListOutputSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code")
    unit = serializers.CharField(source="unit.code", default=None, allow_null=True)
    assigned_to = serializers.CharField(source="assigned_to.username", default=None, allow_null=True)
    conversation_id = serializers.CharField()
    opening_tweet_id = serializers.CharField()
    category = serializers.SerializerMethodField(help_text='The category\'s code; "other" when none was given')
    triage_reason = serializers.CharField(help_text="Why it has its priority and category")
    incident = serializers.IntegerField(source="incident_id", allow_null=True, help_text="The incident's id")

    class Meta:
        model = Ticket
        fields = (
            "number",
            "department",
            "unit",
            "status",
            "priority",
            "category",
            "triage_reason",
            "incident",
            "assigned_to",
            "citizen_handle",
            "subject",
            "language",
            "conversation_id",
            "opening_tweet_id",
            "needs_manual_reply",
            "escalation_level",
            "created_at",
            "updated_at",
            "tweeted_at",
            "first_response_due_at",
            "resolution_due_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
        )

    @extend_schema_field(serializers.CharField())
    def get_category(self, ticket: Ticket) -> str:
        return ticket.category_id or OTHER_CATEGORY


class TicketMessageOutputSerializer(serializers.ModelSerializer):
    tweet_id = serializers.CharField(allow_null=True)
    previous_tweet_ids = serializers.ListField(child=serializers.CharField())
    in_reply_to_tweet_id = serializers.CharField(allow_null=True)
    from_account = serializers.CharField(source="from_account.handle", default=None, allow_null=True)
    sent_by = serializers.CharField(source="sent_by.username", default=None, allow_null=True)

    class Meta:
        model = TicketMessage
        fields = (
            "tweet_id",
            "previous_tweet_ids",
            "direction",
            "kind",
            "author_handle",
            "text",
            "language",
            "media",
            "created_at",
            "in_reply_to_tweet_id",
            "from_account",
            "sent_by",
            "delivery",
            "last_error",
            "sent_at",
            "thread_part",
            "thread_parts",
        )


class AuditEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ("id", "kind", "actor", "created_at", "data", "hash")


class TicketDetailOutputSerializer(TicketListOutputSerializer):
    messages = TicketMessageOutputSerializer(many=True)
    events = AuditEventOutputSerializer(many=True)
    reply_account = serializers.CharField(source="reply_account.handle", default=None, allow_null=True)

    class Meta(TicketListOutputSerializer.Meta):
        fields = (*TicketListOutputSerializer.Meta.fields, "reply_account", "messages", "events")
