from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "recipient", "channel", "status", "created_at"]
    list_filter = ["kind", "channel", "status"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__email", "idempotency_key"]
    raw_id_fields = ["recipient"]
