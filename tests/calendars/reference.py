"""The feed as it was built before the plain-row loader: Django model instances
(bookings with their courses, venues, municipalities and prefetched sessions;
meetings with their mentorships' people) turned into the builders' dataclasses
by ``selectors.booking_event``/``course_event``/``meeting_event``, and the whole
calendar serialised by ``builders.feed``. The byte-for-byte tests compare the
fast path (``selectors.feed_events`` + ``feeds.feed_body``) with this."""

from __future__ import annotations

from django.db.models import Q
from django.utils import translation

from calendars import selectors
from calendars.builders import feed
from calendars.events import CalendarEvent
from courses.constants import BookingStatus, CancelReason, CourseStatus
from courses.models import Booking


def model_feed_events(user, region: str | None = None, since=None) -> list[CalendarEvent]:
    """``selectors.feed_events`` as it read the feed before (model instances)."""
    events: dict[str, CalendarEvent] = {}
    bookings = list(
        Booking.objects.filter(learner=user)
        .filter(
            Q(status=BookingStatus.CONFIRMED)
            | Q(
                status=BookingStatus.CANCELLED,
                cancel_reason=CancelReason.COURSE_CANCELLED,
                confirmed_at__isnull=False,
            )
        )
        .select_related("learner", "course__venue", "course__municipality")
        .prefetch_related(selectors.sessions_prefetch("course__"))
        .order_by("course_id", "-pk")
    )
    counts = selectors.withdrawals(user.pk, {b.course_id for b in bookings}) if bookings else {}
    for booking in bookings:
        event = selectors.booking_event(booking, withdrawn=counts.get(booking.course_id, 0))
        events.setdefault(event.uid, event)
    meetings = selectors.meetings_for_calendar().filter(
        Q(mentorship__coach=user) | Q(mentorship__learner=user),
        mentorship__ended_at__isnull=True,
    )
    for meeting in meetings:
        meeting_ev = selectors.meeting_event(meeting)
        events[meeting_ev.uid] = meeting_ev
    if region is not None:
        since = since or selectors.region_feed_since()
        courses = selectors.courses_for_calendar().filter(
            status=CourseStatus.PUBLISHED, municipality__region=region, ends_on__gte=since
        )
        for course in courses:
            course_ev = selectors.course_event(course, include_online_link=False)
            events.setdefault(course_ev.uid, course_ev)
    return list(events.values())


def model_feed(user, region: str | None = None) -> bytes:
    """The body as the view built it before: model instances, icalendar over the
    whole calendar, in the user's language."""
    with translation.override(user.preferred_language or "de"):
        return feed(model_feed_events(user, region=region), name=selectors.feed_name(region))
