from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from departments.models import Department, Role
from departments.selectors import department_descendant_ids, user_is_department_admin, user_is_ministry_admin
from ingestion.credentials.selectors import account_connect_allowed
from ingestion.credentials.services import account_credential_disconnect
from ingestion.credentials.views import credential_connect_callback, credential_connect_start
from ingestion.doors.search import tweet_time
from ingestion.models import AccountCredential, DeadLetter, InboxTweet, PollCursor, StreamRuleRefusal
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


@admin.register(AccountCredential)
class AccountCredentialAdmin(admin.ModelAdmin):
    """The accounts' posting credentials, for the ministry admins of their ministries: whether they
    work and until when, never the tokens (no field shows them, and there is no form to change them).
    Connecting goes through X (the "Connect on X" link on the official account); deleting disconnects."""

    fields = list_display = (
        "account",
        "status",
        "expires_at",
        "scopes",
        "source",
        "x_user_id",
        "connected_at",
        "connected_by",
        "refreshed_at",
        "last_error",
    )
    readonly_fields = fields
    list_filter = ("status", "source")
    list_select_related = ("account", "connected_by")
    search_fields = ("account__handle",)

    def get_urls(self):
        own = [
            path(
                "connect/<int:account_id>/",
                self.admin_site.admin_view(credential_connect_start),
                name="ingestion_accountcredential_connect",
            ),
            path(
                "callback/",
                self.admin_site.admin_view(credential_connect_callback),
                name="ingestion_accountcredential_callback",
            ),
        ]
        return own + super().get_urls()

    def get_queryset(self, request):
        credentials = super().get_queryset(request).select_related("account", "connected_by")
        if request.user.is_superuser:
            return credentials
        ministries = Department.objects.filter(
            memberships__user=request.user,
            memberships__role=Role.DEPARTMENT_ADMIN,
            parent__isnull=True,
            is_active=True,
        ).values_list("pk", flat=True)
        departments = set().union(*(department_descendant_ids(department_id=pk) for pk in ministries))
        return credentials.filter(account__department_id__in=departments)

    def has_module_permission(self, request):
        return user_is_ministry_admin(user=request.user)

    def has_view_permission(self, request, obj=None):
        if not user_is_ministry_admin(user=request.user):
            return False
        return obj is None or account_connect_allowed(actor=request.user, account=obj.account)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def delete_model(self, request, obj):
        account_credential_disconnect(actor=request.user, account_id=obj.account_id)

    def delete_queryset(self, request, queryset):
        for credential in queryset:
            account_credential_disconnect(actor=request.user, account_id=credential.account_id)
