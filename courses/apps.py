from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from accounts.personal_data import ERASE_FIRST, register_section
        from common import retention
        from notifications.calls import needs_a_call

        from . import selectors, services

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
        from notifications.constants import Kind

        # What people without email must hear from the office by phone: what
        # asks them to act (an offer) or changes where and when they go.
        # Confirmations and waiting-list places are told during the call that
        # books them; reminders are not worth a call.
        needs_a_call(
            Kind.OFFER_MADE,
            Kind.OFFER_EXPIRED,
            Kind.BOOKING_CANCELLED,
            Kind.COURSE_CANCELLED,
            Kind.COURSE_CHANGED,
            Kind.SESSION_CANCELLED,
            Kind.SESSION_MOVED,
            Kind.WAITLIST_PRIORITY,
            Kind.WAITLIST_REMOVED,
            # "The room has changed": what the office writes to everyone, it
            # tells those without email by phone.
            Kind.COURSE_MESSAGE,
        )
