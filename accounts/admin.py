"""API tokens in the admin: ministry admins see every user's tokens (never the tokens themselves,
which are not stored) and revoke them. Tokens are issued only by the token API and `issue_token`."""

from django.contrib import admin
from knox.models import AuthToken

from accounts.services import api_token_revoke
from seva.admin_access import MinistryOnlyReadOnlyAdmin

# knox's own admin can issue tokens and shows them in a message; ours only lists and revokes.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(MinistryOnlyReadOnlyAdmin):
    list_display = ("user", "created", "expiry")
    list_filter = ("expiry",)
    search_fields = ("user__username",)
    list_select_related = ("user",)
    fields = ("user", "created", "expiry")
    readonly_fields = fields
    actions = ("revoke_selected",)

    def has_delete_permission(self, request, obj=None):
        # Deleting a token revokes it, through the service (a TOKEN_REVOKED event).
        return request.user.is_superuser

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a bulk delete would skip the service
        return actions

    def delete_model(self, request, obj):
        api_token_revoke(token=obj, actor=request.user)

    @admin.action(description="Revoke the selected tokens", permissions=["delete"])
    def revoke_selected(self, request, queryset):
        tokens = list(queryset.select_related("user"))
        for token in tokens:
            api_token_revoke(token=token, actor=request.user)
        self.message_user(request, f"Revoked {len(tokens)} token(s).")
