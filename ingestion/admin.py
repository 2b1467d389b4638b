from django.contrib import admin

from departments.selectors import user_is_department_admin
from ingestion.models import DeadLetter, InboxTweet, PollCursor
from ingestion.selectors import dead_letters_visible
from seva.admin_access import MinistryOnlyReadOnlyAdmin


class MinistryOnlyAdmin(MinistryOnlyReadOnlyAdmin):
    """Raw payloads hold citizens' data from every department: ministry admins only, read-only."""


@admin.register(DeadLetter)
class DeadLetterAdmin(MinistryOnlyAdmin):
    """Read-only; a department admin sees their departments' dead letters (the API's own scope),
    those that route nowhere stay with superusers."""

    list_display = ("id", "received_at", "door", "department", "reason", "tweet_id", "replayed_at")
    list_filter = ("door",)
    search_fields = ("reason", "tweet_id", "raw")

    def get_queryset(self, request):
        return dead_letters_visible(user=request.user)

    def has_module_permission(self, request):
        return user_is_department_admin(user=request.user)

    def has_view_permission(self, request, obj=None):
        if not user_is_department_admin(user=request.user):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()


@admin.register(InboxTweet)
class InboxTweetAdmin(MinistryOnlyAdmin):
    list_display = ("tweet_id", "door", "received_at", "state", "outcome", "ticket_id")
    list_filter = ("state", "outcome", "door")
    search_fields = ("=tweet_id",)
    show_full_result_count = False


@admin.register(PollCursor)
class PollCursorAdmin(MinistryOnlyAdmin):
    list_display = ("query_key", "since_id", "polled_at", "last_error")
