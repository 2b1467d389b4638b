from django.contrib import admin

from ingestion.models import DeadLetter, InboxTweet, PollCursor


class MinistryOnlyAdmin(admin.ModelAdmin):
    """Raw payloads hold citizens' data from every department: ministry admins only, read-only."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeadLetter)
class DeadLetterAdmin(MinistryOnlyAdmin):
    list_display = ("id", "received_at", "door", "reason", "tweet_id", "replayed_at")
    list_filter = ("door",)
    search_fields = ("reason", "tweet_id", "raw")


@admin.register(InboxTweet)
class InboxTweetAdmin(MinistryOnlyAdmin):
    list_display = ("tweet_id", "door", "received_at", "state", "outcome", "ticket_id")
    list_filter = ("state", "outcome", "door")
    search_fields = ("=tweet_id",)
    show_full_result_count = False


@admin.register(PollCursor)
class PollCursorAdmin(MinistryOnlyAdmin):
    list_display = ("query_key", "since_id", "polled_at", "last_error")
