"""Reads about courses and bookings: query shaping, no side effects.

List querysets carry everything their serializers need as annotations and
joins, so a page costs the same number of queries whatever its size.
"""

from datetime import date, datetime, time

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.roles import COORDINATOR, has_role
from places.models import Municipality
from places.selectors import municipalities_within

from .constants import (
    ACTIVE_STATUSES,
    HOLDING_STATUSES,
    PARTICIPANT_STATUS,
    BookingStatus,
    CourseStatus,
    Format,
    SessionStatus,
)
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


# The order of every waiting list, the one rule: bookings a coordinator put
# first (a hardship case, ``services.offer_out_of_turn``) ahead of the others,
# and each group in the order it arrived. Free places go to the first booking
# in this order that fits (``services.offer_free_places``); positions shown
# anywhere are counted in it (``with_waitlist_position``).
WAITING_ORDER = ("-waitlist_priority", "created_at", "pk")


def waiting_list(course_id: int):
    """A course's waiting bookings in ``WAITING_ORDER``."""
    return Booking.objects.filter(course_id=course_id, status=BookingStatus.WAITLISTED).order_by(
        *WAITING_ORDER
    )


def _at_or_ahead_of_outer(order=WAITING_ORDER) -> Q:
    """Bookings that come before the outer booking in ``order``, or are it:
    the lexicographic comparison of the order's keys, built from the order
    itself so the two can never disagree."""
    condition: Q | None = None
    for index in reversed(range(len(order))):
        key = order[index]
        name = key.lstrip("-")
        descending = key.startswith("-")
        last = index == len(order) - 1
        lookup = ("gte" if descending else "lte") if last else ("gt" if descending else "lt")
        before = Q(**{f"{name}__{lookup}": OuterRef(name)})
        condition = (
            before if condition is None else before | (Q(**{name: OuterRef(name)}) & condition)
        )
    assert condition is not None
    return condition


def _waitlist_position() -> Subquery:
    ahead = (
        Booking.objects.filter(course=OuterRef("course"), status=BookingStatus.WAITLISTED)
        .filter(_at_or_ahead_of_outer())
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(ahead, output_field=IntegerField())


def with_waitlist_position(queryset):
    """Annotate ``waitlist_position`` (1 = next in line; None unless waiting)."""
    return queryset.annotate(
        waitlist_position=Case(
            When(status=BookingStatus.WAITLISTED, then=_waitlist_position()),
            default=None,
            output_field=IntegerField(),
        )
    )


def waitlist_position(booking_id: int) -> int | None:
    return (
        with_waitlist_position(Booking.objects.filter(pk=booking_id))
        .values_list("waitlist_position", flat=True)
        .first()
    )


def waitlist_of(course: Course):
    """The waiting list as the office works with it: in order, with positions,
    each person's contact details and who put a booking first (one query a page)."""
    return with_waitlist_position(
        waiting_list(course.pk).select_related("learner__home_municipality", "priority_by")
    )


def overlapping_booking(course: Course, learner_id: int, today: date):
    """A course the learner holds or waits for whose scheduled sessions meet at
    the same time as one of ``course``'s (same day, times intersect), from
    today on; ``(course id, title, date)`` of the first such session, or None.
    One query, whatever the number of sessions."""
    clash = CourseSession.objects.filter(
        course=course,
        status=SessionStatus.SCHEDULED,
        date=OuterRef("date"),
        start_time__lt=OuterRef("end_time"),
        end_time__gt=OuterRef("start_time"),
    )
    return (
        CourseSession.objects.filter(
            status=SessionStatus.SCHEDULED,
            date__gte=today,
            course__bookings__learner_id=learner_id,
            course__bookings__status__in=ACTIVE_STATUSES,
        )
        .exclude(course_id=course.pk)
        .filter(Exists(clash))
        .order_by("date", "start_time", "pk")
        .values_list("course_id", "course__title", "date")
        .first()
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


def with_places_left(queryset):
    """Annotate seats and childcare places taken and left (never below zero, e.g. after
    a coordinator lowered the seats). The one count of what is free that pages, the
    API and the dashboard show; the booking rule counts the same holding bookings
    under the capacity lock (``capacity_taken``)."""
    return queryset.annotate(
        seats_taken=Count("bookings", filter=_holding),
        childcare_taken=Coalesce(Sum("bookings__childcare_places", filter=_holding), 0),
    ).annotate(
        seats_left=Greatest(F("seats") - F("seats_taken"), Value(0)),
        childcare_places_left=Greatest(F("childcare_places") - F("childcare_taken"), Value(0)),
    )


def may_see_online_link(user, course: Course) -> bool:
    """Confirmed participants and coordinators see a course's online link; nobody
    else (a leaked link is a stranger in class). Reads ``viewer_is_participant``
    from ``with_availability`` when it is there."""
    if has_role(user, COORDINATOR):
        return True
    if not user.is_authenticated:
        return False
    participant = getattr(course, "viewer_is_participant", None)
    if participant is None:
        participant = Booking.objects.filter(
            course=course, learner=user, status=PARTICIPANT_STATUS
        ).exists()
    return bool(participant)


def with_availability(queryset, user):
    """Annotate seats and childcare places left, the waiting list's length and,
    for a signed-in user, whether they hold a confirmed place (which reveals
    the online meeting link, ``may_see_online_link``) and their own booking's status."""
    queryset = queryset.select_related("provider", "venue", "municipality", "venue__municipality")
    if not queryset.query.order_by:
        # Aggregating queries ignore Meta.ordering; pages need a stable order.
        queryset = queryset.order_by(*Course._meta.ordering)
    queryset = with_places_left(queryset).annotate(
        waitlist_length=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
    )
    if user.is_authenticated:
        own = Booking.objects.filter(
            course=OuterRef("pk"), learner=user, status__in=ACTIVE_STATUSES
        )
        queryset = queryset.annotate(
            my_booking_status=Subquery(own.values("status")[:1]),
            viewer_is_participant=Exists(own.filter(status=PARTICIPANT_STATUS)),
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
    return with_waitlist_position(queryset)


# --- The web catalogue --------------------------------------------------------------


def within_reach(queryset, origin: Municipality, radius_km: float):
    """Courses meeting within ``radius_km`` of a municipality, nearest first,
    annotated with ``distance_km``. Online courses have no place and drop out."""
    distances = municipalities_within(origin, radius_km)
    if not distances:
        return queryset.none()
    distance = Case(
        *(When(municipality_id=pk, then=Value(km)) for pk, km in distances.items()),
        output_field=FloatField(),
    )
    return (
        queryset.filter(municipality_id__in=distances)
        .annotate(distance_km=distance)
        .order_by("distance_km", "starts_on", "pk")
    )


def meeting_on_weekday(queryset, weekday: int):
    """Courses with a session on ``weekday`` (0 = Monday).

    Weekdays are a short JSON list that SQLite cannot search, so the ids are
    matched in Python (one query over the narrowed catalogue: hundreds of
    rows, not millions)."""
    ids = [pk for pk, days in queryset.values_list("pk", "weekdays") if weekday in (days or [])]
    return queryset.filter(pk__in=ids)


# Times of day a learner can choose, as [from, until) of the start time.
TIMES_OF_DAY = {
    "morning": (time(0, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), time(23, 59, 59)),
}


def search_courses(
    user,
    *,
    level: str = "",
    near: Municipality | None = None,
    radius_km: float = 15,
    online: bool = False,
    childcare: bool = False,
    weekday: int | None = None,
    time_of_day: str = "",
    today: date | None = None,
):
    """The catalogue as a learner searches it, with availability annotated.

    Only courses that have not ended. Non-coordinators see published courses
    only; coordinators every state (as in the API). ``online`` means courses one
    can join from home (online or hybrid), wherever they are held, so it
    replaces the search around ``near``.
    """
    today = today or timezone.localdate()
    queryset = visible_courses(user).filter(ends_on__gte=today)
    if not has_role(user, COORDINATOR):
        queryset = queryset.filter(status=CourseStatus.PUBLISHED)
    if level:
        queryset = queryset.filter(level=level)
    if childcare:
        queryset = queryset.filter(childcare_places__gt=0)
    if time_of_day in TIMES_OF_DAY:
        start, end = TIMES_OF_DAY[time_of_day]
        queryset = queryset.filter(start_time__gte=start, start_time__lt=end)
    if weekday is not None:
        queryset = meeting_on_weekday(queryset, weekday)
    if online:
        queryset = queryset.filter(format__in=[Format.ONLINE, Format.HYBRID])
    elif near is not None:
        queryset = within_reach(queryset, near, radius_km)
    return with_availability(queryset, user)


def courses_to_manage(*, status: str = "", region: str = ""):
    """Every course for the coordinators' list, drafts and cancelled ones included."""
    queryset = Course.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    if region:
        queryset = queryset.filter(municipality__region=region)
    return queryset.order_by("-starts_on", "title", "pk")


def bookings_of_course(course: Course):
    """A course's confirmed and offered bookings with their learners (coordinators
    only: names are personal data), confirmed first, each in booking order. The
    waiting list is ``waitlist_of``."""
    holding_first = Case(
        When(status=BookingStatus.CONFIRMED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        Booking.objects.filter(course=course, status__in=HOLDING_STATUSES)
        .select_related("learner")
        .annotate(rank=holding_first)
        .order_by("rank", "created_at", "pk")
    )


def my_bookings(user):
    """The signed-in learner's own bookings (also a coordinator's, if they booked),
    with waiting positions and the course's place, current ones first."""
    current_first = Case(
        When(status=BookingStatus.CANCELLED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        visible_bookings(user)
        .filter(learner=user)
        .select_related("course__municipality", "course__venue")
        .annotate(current_first=current_first)
        .order_by("current_first", "course__starts_on", "-created_at", "pk")
    )
