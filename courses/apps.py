from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from accounts.personal_data import ERASE_FIRST, register_section
        from common import retention

        from . import notifications, selectors, services

        # Bookings erase first: they take the course capacity lock (the one lock order).
        register_section(
            "bookings", _("Bookings and waiting lists"), export=selectors.personal_data_of,
            erase=lambda person, by: services.erase_bookings_of(person=person, by=by),
            erase_order=ERASE_FIRST,
        )  # fmt: skip
        retention.register(
            retention.RetentionRule(
                key="bookings",
                label=_("Bookings"),
                setting="KURSLOTSE_RETENTION_BOOKINGS_MONTHS",
                unit=retention.MONTHS,
                what_happens=_(
                    "Anonymised this long after the course ended: names, children's ages "
                    "and attendance go; the figures stay as anonymous records."
                ),
                remove=services.anonymise_bookings_ended_before_moment,
            )
        )
        # Its notification kinds (texts, who needs a call), and its reminders.
        notifications.register()
