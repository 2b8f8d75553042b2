"""Reminders that have come due, queued by the periodic sweep as outbox rows.

Each reminder's key names the event as it is now (date and time, or the
meeting's sequence), so a moved session or meeting is reminded again at its
new time, and a reminder is never queued twice.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from .constants import Kind
from .payloads import meeting_payload, session_payload
from .services import notify

SESSION_AHEAD = timedelta(hours=24)
MEETING_AHEAD = timedelta(hours=2)
OFFER_AHEAD = timedelta(hours=12)


def queue_due_reminders(now: datetime) -> int:
    return _sessions(now) + _meetings(now) + _offers(now)


def _sessions(now: datetime) -> int:
    from courses.constants import BookingStatus, CourseStatus, SessionStatus
    from courses.models import Booking, CourseSession

    local_now = timezone.localtime(now)
    horizon = local_now + SESSION_AHEAD
    sessions = CourseSession.objects.filter(
        status=SessionStatus.SCHEDULED,
        course__status=CourseStatus.PUBLISHED,
        date__gte=local_now.date(),
        date__lte=horizon.date(),
    ).select_related("course__venue__municipality")
    due = [
        session
        for session in sessions
        if now
        < timezone.make_aware(datetime.combine(session.date, session.start_time))
        <= now + SESSION_AHEAD
    ]
    participants: dict[int, list] = {}
    confirmed = Booking.objects.filter(
        course_id__in={s.course_id for s in due}, status=BookingStatus.CONFIRMED
    ).select_related("learner")
    for booking in confirmed:
        participants.setdefault(booking.course_id, []).append(booking)
    count = 0
    for session in due:
        for booking in participants.get(session.course_id, []):
            notify(
                recipient=booking.learner,
                kind=Kind.SESSION_REMINDER,
                key=f"session:{session.pk}:{session.date}:{session.start_time}",
                payload=session_payload(session),
            )
            count += 1
    return count


def _meetings(now: datetime) -> int:
    from coaching.constants import MeetingStatus
    from coaching.models import Meeting

    meetings = Meeting.objects.filter(
        status=MeetingStatus.SCHEDULED, starts_at__gt=now, starts_at__lte=now + MEETING_AHEAD
    ).select_related("mentorship__coach", "mentorship__learner")
    count = 0
    for meeting in meetings:
        for person in (meeting.mentorship.learner, meeting.mentorship.coach):
            notify(
                recipient=person,
                kind=Kind.MEETING_REMINDER,
                key=f"meeting:{meeting.pk}:{meeting.sequence}",
                payload=meeting_payload(meeting),
            )
            count += 1
    return count


def _offers(now: datetime) -> int:
    from courses.constants import BookingStatus
    from courses.models import Booking

    offers = Booking.objects.filter(
        status=BookingStatus.OFFERED,
        offer_expires_at__gt=now,
        offer_expires_at__lte=now + OFFER_AHEAD,
    ).select_related("course", "learner")
    for booking in offers:
        until = booking.offer_expires_at.isoformat() if booking.offer_expires_at else ""
        notify(
            recipient=booking.learner,
            kind=Kind.OFFER_EXPIRING,
            key=f"offer:{booking.pk}:{until}",
            payload={"course": booking.course_id, "title": booking.course.title, "until": until},
        )
    return len(offers)
