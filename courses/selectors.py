"""Reads about courses and bookings: query shaping, no side effects.

List querysets carry everything their serializers need as annotations and
joins, so a page costs the same number of queries whatever its size.
"""

from datetime import datetime

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce

from accounts.roles import COORDINATOR, has_role

from .constants import ACTIVE_STATUSES, HOLDING_STATUSES, BookingStatus, CourseStatus
from .models import Booking, Course, CourseSession

_holding = Q(bookings__status__in=HOLDING_STATUSES)


def capacity_taken(course_id: int) -> tuple[int, int]:
    """Seats and childcare places held by confirmed and offered bookings."""
    totals = Booking.objects.filter(course_id=course_id, status__in=HOLDING_STATUSES).aggregate(
        seats=Count("pk"), childcare=Coalesce(Sum("childcare_places"), 0)
    )
    return totals["seats"], totals["childcare"]


def has_active_booking(course_id: int, learner_id: int) -> bool:
    return Booking.objects.filter(
        course_id=course_id, learner_id=learner_id, status__in=ACTIVE_STATUSES
    ).exists()


def waiting_list(course_id: int):
    """Waiting bookings in the order they arrived."""
    return Booking.objects.filter(course_id=course_id, status=BookingStatus.WAITLISTED).order_by(
        "created_at", "pk"
    )


def courses_with_stale_offers(now: datetime) -> list[int]:
    return list(
        Booking.objects.filter(status=BookingStatus.OFFERED, offer_expires_at__lte=now)
        .values_list("course_id", flat=True)
        .distinct()
        .order_by("course_id")
    )


def visible_courses(user):
    """Coordinators see every course; everyone else published and cancelled ones."""
    if has_role(user, COORDINATOR):
        return Course.objects.all()
    return Course.objects.filter(status__in=[CourseStatus.PUBLISHED, CourseStatus.CANCELLED])


def with_availability(queryset, user):
    """Annotate seats and childcare places left, the waiting list's length and,
    for a signed-in user, whether they hold a confirmed place (which reveals
    the online meeting link) and their own booking's status."""
    queryset = queryset.select_related("provider", "venue", "municipality", "venue__municipality")
    if not queryset.query.order_by:
        # Aggregating queries ignore Meta.ordering; pages need a stable order.
        queryset = queryset.order_by(*Course._meta.ordering)
    queryset = queryset.annotate(
        seats_taken=Count("bookings", filter=_holding),
        childcare_taken=Coalesce(Sum("bookings__childcare_places", filter=_holding), 0),
        waitlist_length=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
    )
    if user.is_authenticated:
        own = Booking.objects.filter(
            course=OuterRef("pk"), learner=user, status__in=ACTIVE_STATUSES
        )
        queryset = queryset.annotate(
            my_booking_status=Subquery(own.values("status")[:1]),
            viewer_is_participant=Exists(own.filter(status=BookingStatus.CONFIRMED)),
        )
    return queryset


def sessions_of(course: Course):
    return (
        CourseSession.objects.filter(course=course)
        .select_related("course")
        .order_by("date", "start_time", "pk")
    )


def visible_bookings(user):
    """A learner's own bookings; every booking for a coordinator.

    Each row carries its waiting-list position (1 = next in line).
    """
    if not user.is_authenticated:
        return Booking.objects.none()
    queryset = Booking.objects.select_related("course")
    if not has_role(user, COORDINATOR):
        queryset = queryset.filter(learner=user)
    ahead = (
        Booking.objects.filter(course=OuterRef("course"), status=BookingStatus.WAITLISTED)
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    position = Subquery(ahead, output_field=IntegerField())
    return queryset.annotate(
        waitlist_position=Case(
            When(status=BookingStatus.WAITLISTED, then=position),
            default=None,
            output_field=IntegerField(),
        )
    )
