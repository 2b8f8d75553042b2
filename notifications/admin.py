"""The notification outbox in the admin."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.constants import AccessWhat
from backend.admin import ReadOnlyAdmin
from common.errors import DomainError

from . import services
from .constants import Status
from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only: the outbox fields (status, attempts, times, errors) belong to
    the delivery workers, and a hand edit could send a message twice or never.
    Failed rows can be sent again with the action, which uses the service."""

    access_what, access_subjects = AccessWhat.NOTIFICATION, ("recipient",)

    list_display = ["kind", "recipient", "channel", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__email", "idempotency_key"]
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.action(description=_("Send the selected failed notifications again"))
    def send_again(self, request, queryset):
        done = 0
        for notification in queryset.filter(status=Status.FAILED):
            try:
                services.retry(notification, by=request.user)
            except DomainError:
                continue  # it was retried by someone else a moment ago
            done += 1
        self.message_user(
            request,
            ngettext("%(n)s notification queued again.", "%(n)s notifications queued again.", done)
            % {"n": done},
            messages.SUCCESS,
        )
