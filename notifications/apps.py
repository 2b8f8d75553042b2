from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from common import retention

        from . import services

        retention.register(
            retention.RetentionRule(
                key="notifications",
                label=_("Inbox and notifications"),
                setting="KURSLOTSE_RETENTION_NOTIFICATIONS_MONTHS",
                unit=retention.MONTHS,
                what_happens=_(
                    "Deleted this long after they were written; messages still being "
                    "delivered and calls the office has not made yet are kept."
                ),
                remove=services.delete_notifications_created_before,
            )
        )
