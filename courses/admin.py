"""Providers, courses and bookings in the admin.

Courses are created and changed in their schedule on the coordinators' course
pages, which run the services (sessions are generated, participants told
about changes); bookings change only through the booking services, which
hold the capacity lock and move the waiting list. Here coordinators correct
descriptions and look things up — and a change that calendars show (title,
description, place, online link) goes through ``services.update_course`` like
from any other door, so participants get the updated invitation.
"""

from django.contrib import admin

from backend.admin import CoordinatorAdmin, ReadOnlyAdmin, ReadOnlyInline

from . import services
from .models import Booking, Course, CourseMessage, CourseSession, Provider


@admin.register(Provider)
class ProviderAdmin(CoordinatorAdmin):
    list_display = ["name", "kind", "email", "phone", "website"]
    list_filter = ["kind"]
    search_fields = ["name", "email"]


class SessionInline(ReadOnlyInline):
    """Moving or cancelling a date goes through the course services, which
    update everyone's calendar and tell the participants."""

    model = CourseSession
    fields = readonly_fields = (
        "original_date", "date", "start_time", "end_time", "status", "note",
    )  # fmt: skip


@admin.register(Course)
class CourseAdmin(CoordinatorAdmin):
    """Seats, childcare places, schedule and status are read-only: changing them
    needs the capacity lock, new sessions or notifications (the services)."""

    list_display = ["title", "level", "format", "provider", "municipality", "starts_on", "ends_on",
                    "seats", "childcare_places", "status"]  # fmt: skip
    list_filter = ["status", "level", "format", "municipality__region", "provider"]
    list_select_related = ["municipality", "provider"]
    search_fields = ["title", "municipality__name", "provider__name"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["municipality", "venue", "provider"]
    readonly_fields = ["format", "seats", "childcare_places", "childcare_min_age",
                       "childcare_max_age", "starts_on", "ends_on", "weekdays", "start_time",
                       "end_time", "exception_dates", "status", "teachers", "calendar_sequence",
                       "created_at", "updated_at"]  # fmt: skip
    inlines = [SessionInline]

    def save_model(self, request, obj, form, change) -> None:
        """Changes go through the service that tells participants' calendars."""
        if not change:  # pragma: no cover - adding is switched off above
            super().save_model(request, obj, form, change)
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.update_course(course=obj, by=request.user, **changes)

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    """Read-only: a booking's status decides who holds a seat, so it changes
    only through the booking services (capacity lock, waiting list, messages)."""

    list_display = ["course", "learner", "status", "childcare_places", "created_at",
                    "offer_expires_at"]  # fmt: skip
    list_filter = ["status", "course__level", "course__municipality__region"]
    list_select_related = ["course", "learner"]
    search_fields = ["learner__email", "learner__full_name", "course__title"]
    date_hierarchy = "created_at"


@admin.register(CourseMessage)
class CourseMessageAdmin(ReadOnlyAdmin):
    """Read-only: a message went out with its notifications when it was written
    (``services.send_course_message``); editing the record would not change
    what people received. Writing one is on the course's page."""

    list_display = ["course", "subject", "audience", "sent_as", "sender", "recipients", "sent_at"]
    list_filter = ["audience", "sent_as"]
    list_select_related = ["course", "sender"]
    search_fields = ["subject", "course__title"]
    date_hierarchy = "sent_at"
