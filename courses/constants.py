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


class CancelReason(models.TextChoices):
    BY_LEARNER = "learner", _("Cancelled by the learner")
    BY_COORDINATOR = "coordinator", _("Cancelled by the coordination office")
    OFFER_EXPIRED = "offer_expired", _("The offered place was not accepted in time")
    COURSE_CANCELLED = "course_cancelled", _("The course was cancelled")


class ProviderKind(models.TextChoices):
    ADULT_EDUCATION = "vhs", _("Adult education centre (Volkshochschule)")
    WELFARE = "welfare", _("Welfare organisation")
    OTHER = "other", _("Other")


# Helper languages a course may offer, as ISO 639-1 codes (German is the course language).
HELPER_LANGUAGES = {code: name for code, name in LANGUAGE_NAMES.items() if code != "de"}

MAX_CHILD_AGE = 17
MAX_CHILDREN_PER_BOOKING = 8
