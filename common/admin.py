"""Idempotency records in the admin, to look up what a retried request got."""

from django.contrib import admin

from backend.admin import ReadOnlyAdmin

from .models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    """Written in the transaction of the change they guard; editing one would
    let a retried request make its change twice."""

    list_display = ["created_at", "user", "scope", "key", "status_code"]
    list_filter = ["scope", "status_code"]
    list_select_related = ["user"]
    search_fields = ["user__email", "key"]
    date_hierarchy = "created_at"
