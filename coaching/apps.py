from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = _("Coaching")

    def ready(self) -> None:
        from accounts.personal_data import register_section
        from common import retention

        from . import notifications, selectors, services

        register_section(
            "coaching", _("Coaching"), export=selectors.personal_data_of,
            erase=lambda person, by: services.erase_coaching_of(person=person, by=by),
        )  # fmt: skip
        # Its notification kinds (texts, who needs a call), and meeting reminders.
        notifications.register()
        retention.register(
            retention.RetentionRule(
                key="coach_notes",
                label=_("Coaches' notes"),
                setting="KURSLOTSE_RETENTION_COACH_NOTES_MONTHS",
                unit=retention.MONTHS,
                what_happens=_("Deleted this long after the mentorship ended."),
                remove=services.delete_notes_of_mentorships_ended_before,
            )
        )
