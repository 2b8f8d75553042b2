from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "calendars"
    verbose_name = _("Calendars")

    def ready(self) -> None:
        from accounts.personal_data import register_section

        from . import selectors, services

        register_section(
            "calendar_feed", _("Calendar link"), export=selectors.personal_data_of,
            erase=services.erase_feed_token_of,
        )  # fmt: skip
        from notifications.registry import register_attachment

        from .mail import invitation_of

        # Emails about a course or meeting carry its invitation (text/calendar).
        register_attachment(invitation_of)
