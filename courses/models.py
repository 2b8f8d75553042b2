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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.translated import TranslatedTextsManager, in_source_language
from common.validators import validate_single_line

from .constants import (
    ACTIVE_STATUSES,
    HELPER_LANGUAGES,
    MAX_CLOSURE_DAYS,
    MAX_CLOSURE_NAME,
    MAX_REASON_LENGTH,
    MESSAGE_BODY_MAX_LENGTH,
    MESSAGE_SUBJECT_MAX_LENGTH,
    AttendanceStatus,
    Audience,
    BookingStatus,
    CancelReason,
    CourseStatus,
    Format,
    Level,
    ProviderKind,
    SentAs,
    SessionStatus,
    SkipReason,
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
        help_text=_(
            "Further dates without a session, as ISO dates (YYYY-MM-DD). Public holidays "
            "and closures are skipped without being listed here."
        ),
    )
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="courses_taught",
        verbose_name=_("teachers"),
        help_text=_(
            "Course leaders who see this course, mark attendance and write to its participants."
        ),
    )
    registration_deadline = models.DateField(_("registration deadline"), null=True, blank=True)
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept an offered place"), default=settings.KURSLOTSE_DEFAULT_OFFER_HOURS
    )
    status = models.CharField(
        # One default for every door (API, services, admin): published; the
        # coordinators' page asks for a draft on purpose.
        _("status"),
        max_length=16,
        choices=CourseStatus.choices,
        default=CourseStatus.PUBLISHED,
    )
    calendar_sequence = models.PositiveIntegerField(
        default=0,
        help_text="Raised with every change of what the whole series shows in calendars "
        "(courses.services.course_calendar_changed); part of its iCalendar SEQUENCE.",
    )
    sessions_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Raised by the database with every insert, update and delete of the "
        "course's sessions (triggers, migration 0008), so calendar feeds see that they "
        "changed without reading them. Never written by Django (see save).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Title, description and what to bring are kept in every language
    # (courses/translation.py); lookups on the plain names read German.
    objects = TranslatedTextsManager()

    class Meta:
        ordering = ["starts_on", "title", "pk"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = [
            models.Index(fields=["status", "starts_on"]),
            # The catalogue (``selectors.catalogue``, ``selectors.Listing``): what
            # it filters on (state, not ended, the places within reach) and what
            # it sorts by, so counting and taking a page's ids read this index
            # alone (an index-only scan) instead of every course row.
            models.Index(
                fields=["status", "ends_on", "municipality", "starts_on", "id"],
                name="course_catalogue_idx",
            ),
        ]
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

    def save(self, *args, **kwargs):
        """Never write ``sessions_version``: the database keeps it (a full save of
        a course read before its sessions changed would set it back)."""
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "sessions_version"
            ]
        with in_source_language():  # the plain columns hold German (common.translated)
            super().save(*args, **kwargs)

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
    # PROTECT: deleting a person must not free their seat behind the waiting
    # list's back; ``accounts.services.erase_person`` cancels and offers first.
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
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
    # Not a column: 1 = next in line, None unless waiting. Annotated by
    # ``selectors.with_waitlist_position``, set by ``services.book_course``.
    waitlist_position: int | None

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


class CourseChange(models.Model):
    """One saved edit of a course: who, when, and what changed, field by field.

    Written by ``services.update_course`` (the edit page, the API, the admin)
    and ``services.update_venue`` (a renamed venue changes the course's
    place), in the transaction of the change. ``changes`` is a list of
    ``{"field", "old", "new"}`` with plain values — names rather than ids,
    dates as ISO text — that ``selectors.course_changes`` turns into display
    text in the reader's language.
    """

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="change_log", verbose_name=_("course")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changes = models.JSONField(_("what changed"), default=list)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("course change")
        verbose_name_plural = _("course changes")
        indexes = [models.Index(fields=["course", "-at"])]

    def __str__(self) -> str:
        return f"{self.course_id} {self.at:%Y-%m-%d %H:%M}"


class Attendance(models.Model):
    """Whether a participant came to one session: present, absent or excused.

    One row per session and booking, written only by
    ``services.record_attendance`` (teachers of the course and coordinators).
    """

    session = models.ForeignKey(
        CourseSession,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("session"),
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("booking")
    )
    status = models.CharField(_("attendance"), max_length=16, choices=AttendanceStatus.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        ordering = ["session", "booking"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "booking"], name="one_attendance_per_session_and_booking"
            ),
        ]
        indexes = [models.Index(fields=["booking", "session"])]

    def __str__(self) -> str:
        return f"{self.booking_id} @ {self.session_id}: {self.status}"


class CourseMessage(models.Model):
    """A message a coordinator or teacher wrote to a course's people: the
    record of what was sent, when, by whom, to which audience and to how many.

    Written by ``services.send_course_message`` in the same transaction as the
    notifications that carry it (one per person, on each of their channels).
    """

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="messages", verbose_name=_("course")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sender"),
    )
    sent_as = models.CharField(_("sent as"), max_length=16, choices=SentAs.choices)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    subject = models.CharField(
        _("subject"), max_length=MESSAGE_SUBJECT_MAX_LENGTH, validators=[validate_single_line]
    )
    body = models.TextField(_("message"), max_length=MESSAGE_BODY_MAX_LENGTH)
    recipients = models.PositiveIntegerField(_("recipients"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    client_key = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_single_line],
        help_text="The page form's one-time token: a second submit of the same form sends nothing.",
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("message to a course")
        verbose_name_plural = _("messages to courses")
        indexes = [models.Index(fields=["course", "-sent_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_key"],
                condition=~Q(client_key=""),
                name="one_message_per_form_token",
            )
        ]

    def __str__(self) -> str:
        return f"{self.course.title}: {self.subject}"


class Closure(models.Model):
    """Days on which courses do not meet: school holidays for the whole district,
    a provider's closing days, a venue closed for building work. Applied when a
    course's sessions are generated (``courses.services._planned_dates``); what
    was skipped is stored on the course (``SkippedDate``), so changing a closure
    later changes no course that exists."""

    name = models.CharField(
        _("name"),
        max_length=MAX_CLOSURE_NAME,
        validators=[validate_single_line],
        help_text=_("Shown to learners as the reason, e.g. “Osterferien”."),
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("provider"),
        help_text=_("Only this provider's courses. Leave empty for the whole district."),
    )
    venue = models.ForeignKey(
        "places.Venue",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("venue"),
        help_text=_("Only courses at this venue. Leave empty for the whole district."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["first_day", "name", "pk"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        indexes = [models.Index(fields=["last_day", "first_day"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="closure_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(provider__isnull=True) | Q(venue__isnull=True),
                name="closure_for_one_provider_or_one_venue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_day:%Y-%m-%d} to {self.last_day:%Y-%m-%d})"

    @property
    def scope(self) -> str:
        """``district``, ``provider`` or ``venue``: whose courses the closure stops."""
        if self.venue_id:
            return "venue"
        return "provider" if self.provider_id else "district"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.provider_id and self.venue_id:
            errors["venue"] = [
                _("Choose a provider or a venue, not both (or neither, for the whole district).")
            ]
        if self.first_day and self.last_day:
            if self.last_day < self.first_day:
                errors["last_day"] = [_("The last day must not be before the first day.")]
            elif (self.last_day - self.first_day).days + 1 > MAX_CLOSURE_DAYS:
                errors["last_day"] = [
                    _("A closure may last at most %(n)s days.") % {"n": MAX_CLOSURE_DAYS}
                ]
        if errors:
            raise ValidationError(errors)


class SkippedDate(models.Model):
    """A date of a course's weekly rule that got no session, and why, as decided
    when the sessions were generated. ``kept_at`` is set when a coordinator
    kept the date after all (``courses.services.keep_date``): it then has a
    session like any other."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="skipped_dates", verbose_name=_("course")
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=16, choices=SkipReason.choices)
    # The holiday's German name or the closure's name as typed, at generation.
    name = models.CharField(
        _("name"), max_length=MAX_CLOSURE_NAME, blank=True, validators=[validate_single_line]
    )
    closure = models.ForeignKey(
        Closure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closure"),
    )
    kept_at = models.DateTimeField(_("kept at"), null=True, blank=True)
    kept_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kept by"),
    )

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("skipped date")
        verbose_name_plural = _("skipped dates")
        constraints = [
            models.UniqueConstraint(fields=["course", "date"], name="one_skip_per_course_date")
        ]

    def __str__(self) -> str:
        return f"{self.course_id} {self.date:%Y-%m-%d} ({self.reason})"
