"""Choice sets for courses and bookings, in one place (as Integreat keeps them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.languages import LANGUAGE_NAMES


class Level(models.TextChoices):
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid")


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


# A new course starts as one of these (cancelling is its own action).
NEW_COURSE_STATUSES = [(s.value, s.label) for s in (CourseStatus.DRAFT, CourseStatus.PUBLISHED)]


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("Place offered")
    CANCELLED = "cancelled", _("Cancelled")


# Bookings in these states hold a seat (and their childcare places).
HOLDING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.OFFERED)
ACTIVE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.OFFERED, BookingStatus.WAITLISTED)
# A booking in this state makes its learner a participant, who sees the online link.
PARTICIPANT_STATUS = BookingStatus.CONFIRMED


class CancelReason(models.TextChoices):
    BY_LEARNER = "learner", _("Cancelled by the learner")
    BY_COORDINATOR = "coordinator", _("Cancelled by the coordination office")
    OFFER_EXPIRED = "offer_expired", _("The offered place was not accepted in time")
    COURSE_CANCELLED = "course_cancelled", _("The course was cancelled")
    REMOVED_FROM_WAITLIST = "waitlist_removed", _("Taken off the waiting list by the office")


class ProviderKind(models.TextChoices):
    ADULT_EDUCATION = "vhs", _("Adult education centre (Volkshochschule)")
    WELFARE = "welfare", _("Welfare organisation")
    OTHER = "other", _("Other")


# Helper languages a course may offer, as ISO 639-1 codes (German is the course language).
HELPER_LANGUAGES = {code: name for code, name in LANGUAGE_NAMES.items() if code != "de"}

# The distance a search around a municipality may ask for (API and page alike).
MIN_RADIUS_KM, MAX_RADIUS_KM = 1, 200

MAX_CHILD_AGE = 17
MAX_CHILDREN_PER_BOOKING = 8

# A reason a coordinator types (a hardship case, why someone leaves the list):
# one line, as long as a short note.
MAX_REASON_LENGTH = 300

# --- Limits of a schedule (checked in courses/services.py, for every door) ------
# Integration courses run up to about a year; two years from first to last day
# is the most any plan here needs. A daily course of 2,000 years would create
# 730,485 sessions in one request.
MAX_COURSE_DAYS = 2 * 366
# Sessions one course may have (a year of five mornings a week is about 250).
MAX_SESSIONS = 400
# How far ahead of today a course may end, or a session be moved to. Beyond it
# a date is a typing error (9999-12-31), and calendars cannot show it.
MAX_DAYS_AHEAD = 3 * 366
# Dates without a session (holidays) one course may list.
MAX_EXCEPTION_DATES = MAX_COURSE_DAYS


# --- Attendance ----------------------------------------------------------------


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


# Entries one attendance request may carry (a course's participants, with room).
MAX_ATTENDANCE_ENTRIES = 200
# Absent this many marked sessions in a row (the latest ones): the coordinator is told.
ABSENCE_STREAK = 3


# --- Messages to a course's people (courses.services.send_course_message) -------------


class Audience(models.TextChoices):
    """Whom a message about a course goes to."""

    PARTICIPANTS = "participants", _("Participants")
    WAITLIST = "waitlist", _("Waiting list")
    ALL = "all", _("Participants and waiting list")


# The bookings each audience reaches. An offered place is not taken yet: its
# learner is still in line (deciding), so "waitlist" reaches them and
# "participants" does not; "all" is every active booking, so nobody in the
# course is left out of a message to everyone.
AUDIENCE_STATUSES: dict[str, tuple[BookingStatus, ...]] = {
    Audience.PARTICIPANTS: (BookingStatus.CONFIRMED,),
    Audience.WAITLIST: (BookingStatus.WAITLISTED, BookingStatus.OFFERED),
    Audience.ALL: ACTIVE_STATUSES,
}
# What a course's teacher may write to (coordinators may write to every audience).
TEACHER_AUDIENCES = (Audience.PARTICIPANTS,)


class SentAs(models.TextChoices):
    """In which role the sender wrote (named in the message's frame)."""

    COORDINATOR = "coordinator", _("Coordination office")
    TEACHER = "teacher", _("Course leader")


# A subject is one line (it becomes the email's subject); the body is a
# message, not a newsletter: about two pages of text.
MESSAGE_SUBJECT_MAX_LENGTH = 150
MESSAGE_BODY_MAX_LENGTH = 5000
# Messages listed on a course's page (newest first); the API pages through all.
MESSAGES_LISTED = 20


class SkipReason(models.TextChoices):
    """Why a date of a course's weekly rule has no session (courses.services._planned_dates)."""

    HOLIDAY = "holiday", _("Public holiday")
    CLOSURE = "closure", _("Closure")
    EXCEPTION = "exception", _("Date without a session")


# --- Closures (school holidays, a provider's or a venue's closed days) ------------
# Public holidays are those of Baden-Württemberg (the ``holidays`` package).
HOLIDAY_COUNTRY, HOLIDAY_SUBDIVISION = "DE", "BW"
# A closure longer than a year is a typing error (school summer holidays are
# six weeks; a venue closed for building work rarely longer than months).
MAX_CLOSURE_DAYS = 366
MAX_CLOSURE_NAME = 100
