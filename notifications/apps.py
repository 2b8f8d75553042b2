from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from accounts.personal_data import register_section
        from common import retention

        from . import selectors, services

        # After courses and coaching, which may still notify the person while erasing.
        register_section(
            "notifications", _("Messages sent to you"), export=selectors.personal_data_of,
            erase=lambda person, by: services.erase_notifications_of(person=person),
            erase_order=500, readable=selectors.readable_notifications,
        )  # fmt: skip
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
