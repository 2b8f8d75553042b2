"""Courses, their sessions, and learners' bookings.

Capacity is never stored as a counter: seats and childcare places taken are
counted from the bookings that hold them (confirmed or offered), under a lock
(see locking.py), so there is nothing to drift out of step.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.validators import validate_single_line

from .constants import (
    ACTIVE_STATUSES,
    HELPER_LANGUAGES,
    MAX_REASON_LENGTH,
    BookingStatus,
    CancelReason,
    CourseStatus,
    Format,
    Level,
    ProviderKind,
    SessionStatus,
)


class Provider(models.Model):
    """The organisation that runs a course, e.g. a Volkshochschule."""

    name = models.CharField(
        _("name"), max_length=200, unique=True, validators=[validate_single_line]
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=ProviderKind.choices, default=ProviderKind.OTHER
    )
    email = models.EmailField(_("email"), blank=True, validators=[validate_single_line])
    phone = models.CharField(
        _("phone"), max_length=32, blank=True, validators=[validate_single_line]
    )
    website = models.URLField(_("website"), blank=True, validators=[validate_single_line])

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    description = models.TextField(_("description"), blank=True)
    what_to_bring = models.TextField(_("what to bring"), blank=True)
    level = models.CharField(_("level"), max_length=2, choices=Level.choices)
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("provider"),
    )
    venue = models.ForeignKey(
        "places.Venue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("venue"),
    )
    municipality = models.ForeignKey(
        "places.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("municipality"),
    )
    online_meeting_link = models.URLField(
        _("online meeting link"),
        blank=True,
        help_text=_("Shown only to confirmed participants."),
        validators=[validate_single_line],
    )
    seats = models.PositiveIntegerField(_("seats"))
    childcare_places = models.PositiveIntegerField(
        _("childcare places"), default=0, help_text=_("0 means the course has no childcare.")
    )
    childcare_min_age = models.PositiveSmallIntegerField(
        _("youngest child (years)"), null=True, blank=True
    )
    childcare_max_age = models.PositiveSmallIntegerField(
        _("oldest child (years)"), null=True, blank=True
    )
    helper_languages = models.JSONField(
        _("helper languages"),
        default=list,
        blank=True,
        help_text=_("ISO 639-1 codes of languages the teacher can explain things in."),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    weekdays = models.JSONField(_("weekdays"), help_text=_("0 = Monday … 6 = Sunday"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    exception_dates = models.JSONField(
        _("dates without a session"),
        default=list,
        blank=True,
        help_text=_("Holidays, as ISO dates (YYYY-MM-DD)."),
    )
    registration_deadline = models.DateField(_("registration deadline"), null=True, blank=True)
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept an offered place"), default=settings.KURSLOTSE_DEFAULT_OFFER_HOURS
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CourseStatus.choices, default=CourseStatus.DRAFT
    )
    calendar_sequence = models.PositiveIntegerField(
        default=0,
        help_text="Raised with every change of what the whole series shows in calendars "
        "(courses.services.course_calendar_changed); part of its iCalendar SEQUENCE.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_on", "title", "pk"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = [models.Index(fields=["status", "starts_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="course_has_a_seat"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="course_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="course_session_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.level})"

    @property
    def has_childcare(self) -> bool:
        return self.childcare_places > 0

    def exception_date_objects(self) -> list[date]:
        return [date.fromisoformat(str(value)) for value in self.exception_dates]

    def clean(self) -> None:
        """The invariants a course must satisfy, whoever creates it."""
        errors: dict[str, list] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        venue = self.venue if self.venue_id else None
        if venue and self.municipality_id is None:
            self.municipality_id = venue.municipality_id
        if self.format == Format.ONLINE:
            if self.municipality_id or self.venue_id:
                add("municipality", _("An online course has no venue or municipality."))
        elif self.format in (Format.IN_PERSON, Format.HYBRID) and not self.municipality_id:
            add("municipality", _("Courses that meet in person need a municipality."))
        if venue and venue.municipality_id != self.municipality_id:
            add("venue", _("The venue is not in the chosen municipality."))
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            add("ends_on", _("The last day must not be before the first day."))
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            add("end_time", _("The end time must be after the start time."))
        weekdays = self.weekdays if isinstance(self.weekdays, list) else None
        if not weekdays or any(not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
            add("weekdays", _("Choose at least one weekday between 0 (Monday) and 6 (Sunday)."))
        if self.childcare_places:
            if self.childcare_min_age is None or self.childcare_max_age is None:
                add("childcare_min_age", _("Give the age range of children in childcare."))
            elif self.childcare_min_age > self.childcare_max_age:
                add("childcare_max_age", _("The oldest age must not be below the youngest."))
        elif self.childcare_min_age is not None or self.childcare_max_age is not None:
            add("childcare_places", _("Age limits need at least one childcare place."))
        unknown = [code for code in self.helper_languages or [] if code not in HELPER_LANGUAGES]
        if unknown:
            add(
                "helper_languages", _("Unknown language code(s): %s") % ", ".join(map(str, unknown))
            )
        try:
            self.exception_date_objects()
        except (TypeError, ValueError):
            add("exception_dates", _("Dates must be written as YYYY-MM-DD."))
        if (
            self.registration_deadline
            and self.ends_on
            and self.registration_deadline > self.ends_on
        ):
            add("registration_deadline", _("The deadline must not be after the last day."))
        if self.format == Format.IN_PERSON and self.online_meeting_link:
            add("online_meeting_link", _("An in-person course has no meeting link."))
        if errors:
            raise ValidationError(errors)


class CourseSession(models.Model):
    """One concrete date of a course. Moving keeps ``original_date``, which is
    what calendars use to replace the right occurrence (RECURRENCE-ID)."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("course")
    )
    original_date = models.DateField(_("planned date"))
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    note = models.CharField(
        _("note"), max_length=300, blank=True, validators=[validate_single_line]
    )
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE")
    updated_at = models.DateTimeField(auto_now=True, help_text="iCalendar LAST-MODIFIED")

    class Meta:
        ordering = ["date", "start_time", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "original_date"], name="one_session_per_planned_date"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} {self.date:%Y-%m-%d}"

    @property
    def is_moved(self) -> bool:
        return self.date != self.original_date or (
            self.start_time != self.course.start_time or self.end_time != self.course.end_time
        )


class Booking(models.Model):
    """A learner's seat (plus childcare places) in a course, or their place in line."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("course")
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="bookings",
        verbose_name=_("learner"),
    )
    status = models.CharField(_("status"), max_length=16, choices=BookingStatus.choices)
    children_ages = models.JSONField(_("children's ages"), default=list, blank=True)
    childcare_places = models.PositiveSmallIntegerField(_("childcare places"), default=0)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True, db_index=True)
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("reason for cancellation"), max_length=20, choices=CancelReason.choices, blank=True
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_note = models.CharField(
        _("reason given by the office"),
        max_length=MAX_REASON_LENGTH,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Why the office took the booking off the waiting list (the person is told)."),
    )
    # A hardship case: a coordinator offered a place out of turn, or moved the
    # booking to the front of the waiting list (selectors.WAITING_ORDER).
    waitlist_priority = models.BooleanField(_("first in line"), default=False)
    priority_reason = models.CharField(
        _("reason for going first"),
        max_length=MAX_REASON_LENGTH,
        blank=True,
        validators=[validate_single_line],
    )
    priority_at = models.DateTimeField(_("first in line since"), null=True, blank=True)
    priority_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("put first by"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [models.Index(fields=["course", "status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "learner"],
                condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="one_active_booking_per_learner_and_course",
            ),
            models.CheckConstraint(
                condition=Q(status=BookingStatus.OFFERED, offer_expires_at__isnull=False)
                | ~Q(status=BookingStatus.OFFERED),
                name="offer_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} → {self.course} ({self.status})"
