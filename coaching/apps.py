from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = _("Coaching")

    def ready(self) -> None:
        from accounts.personal_data import register_section
        from notifications.calls import needs_a_call

        from . import selectors, services

        register_section(
            "coaching", _("Coaching"), export=selectors.personal_data_of,
            erase=lambda person, by: services.erase_coaching_of(person=person, by=by),
        )  # fmt: skip
        from notifications.constants import Kind

        # Learners without email (registered by phone) hear of their coach and
        # their meetings from the office (notifications/calls.py).
        needs_a_call(
            Kind.MATCH_ACCEPTED,
            Kind.MEETING_SCHEDULED,
            Kind.MEETING_CHANGED,
            Kind.MEETING_CANCELLED,
            Kind.MENTORSHIP_ENDED,
        )
