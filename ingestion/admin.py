from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from departments.selectors import user_is_department_admin
from ingestion.doors.search import tweet_time
from ingestion.models import DeadLetter, InboxTweet, PollCursor, StreamRuleRefusal
from ingestion.selectors import dead_letters_visible
from seva.admin_access import MinistryOnlyReadOnlyAdmin


class MinistryOnlyAdmin(MinistryOnlyReadOnlyAdmin):
    """Raw payloads hold citizens' data from every department: ministry admins only, read-only."""


@admin.register(DeadLetter)
class DeadLetterAdmin(MinistryOnlyAdmin):
    """Read-only; a department admin sees their departments' dead letters (the API's own scope),
    those that route nowhere stay with ministry admins."""

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
    """How far behind each recent-search query is: longest unpolled first."""

    list_display = ("query", "polled_at", "newest_tweet_at", "tweets_per_hour", "since_id", "last_error")
    search_fields = ("query",)
    ordering = ("polled_at",)

    @admin.display(description=_("newest tweet seen"))
    def newest_tweet_at(self, cursor: PollCursor):
        return tweet_time(cursor.since_id)


@admin.register(StreamRuleRefusal)
class StreamRuleRefusalAdmin(MinistryOnlyAdmin):
    """The stream rules X would not create, with its reasons (also counted by `check_x_limits`)."""

    list_display = ("refused_at", "title", "detail", "value")
    list_filter = ("title",)
