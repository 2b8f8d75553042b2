from django.contrib import admin

from backend.admin import CoordinatorAdmin

from .models import FeedToken


@admin.register(FeedToken)
class FeedTokenAdmin(CoordinatorAdmin):
    """Coordinators can see that a feed exists and revoke it (by deleting it);
    neither the token nor the nonce is shown."""

    list_display = ["user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    date_hierarchy = "created_at"
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request, *args) -> bool:
        return False
