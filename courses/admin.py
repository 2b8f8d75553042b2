"""Providers, courses and bookings in the admin.

Courses are created on the coordinators' course pages (sessions are
generated); bookings change only through the booking services, which hold
the capacity lock and move the waiting list. A course saved here goes through
``services.update_course`` like from the edit page and the API: the same
fields, the same checks (places taken, children booked), new places offered
to the waiting list, participants told about what their calendars show, the
change logged.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from accounts.constants import AccessWhat
from backend.admin import CoordinatorAdmin, ReadOnlyAdmin, ReadOnlyInline
from common.errors import DomainError

from . import services
from .forms import course_changes_on_form, https_links, translation_fields
from .models import Booking, Course, CourseMessage, CourseSession, Provider
from .selectors import EDITABLE_FIELDS


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


class CourseAdminForm(forms.ModelForm):
    """Checked as the edit page checks (``services.apply_course_changes``)."""

    class Meta:
        model = Course
        fields = list(EDITABLE_FIELDS)
        formfield_callback = https_links

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        translation_fields(self)

    def _post_clean(self):
        course_changes_on_form(self)


@admin.register(Course)
class CourseAdmin(CoordinatorAdmin):
    """What is fixed once a course exists (level, format, municipality, first
    and last day, dates without a session) and its status (publish and cancel
    are their own actions) are read-only; the rest is saved through
    ``services.update_course``."""

    list_display = ["title", "level", "format", "provider", "municipality", "starts_on", "ends_on",
                    "seats", "childcare_places", "status"]  # fmt: skip
    list_filter = ["status", "level", "format", "municipality__region", "provider"]
    list_select_related = ["municipality", "provider"]
    search_fields = ["title", "municipality__name", "provider__name"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["venue", "provider"]
    form = CourseAdminForm
    readonly_fields = ["level", "format", "municipality", "starts_on", "ends_on",
                       "exception_dates", "status", "teachers", "calendar_sequence", "created_at",
                       "updated_at"]  # fmt: skip
    inlines = [SessionInline]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A rule that needs the course's lock (places taken, children booked)
        refuses inside the save, whose transaction is then rolled back: say
        why and show the course again, unchanged."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, ValidationError) as error:
            text = error.message if isinstance(error, DomainError) else " ".join(error.messages)
            self.message_user(request, text, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

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

    access_what, access_subjects = AccessWhat.BOOKING, ("learner",)

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
