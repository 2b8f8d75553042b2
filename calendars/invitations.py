"""Invitations for one recipient, built when the notification is sent.

The outbox only stores *which* event and method (``{"type": "course", "id":
…, "method": "REQUEST"}``); the calendar is built at delivery from the state
of that moment, so a late delivery carries the newest times and the highest
SEQUENCE. An invitation that no longer fits (a REQUEST for a booking
cancelled meanwhile, a CANCEL for a place never confirmed) is not sent.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import translation

from coaching.constants import MeetingStatus
from coaching.models import Meeting
from courses.constants import BookingStatus, CancelReason, CourseStatus
from courses.models import Booking

from . import selectors
from .builders import has_dates, invitation, invitation_mime_parts
from .events import CalendarEvent, Method


def course_invitation(booking: Booking, method: Method | str, *, now=None) -> bytes:
    """The learner's invitation to the course of ``booking`` (REQUEST on
    confirmation and after every change; CANCEL when they leave or the course
    is cancelled — build it after the service ran; PUBLISH for the file they
    download from "my bookings")."""
    return invitation(selectors.booking_event(booking), method, now=now)


def meeting_invitation(meeting: Meeting, method: Method | str, *, now=None) -> bytes:
    """The invitation to a coaching meeting for either participant (REQUEST
    on scheduling and moving, CANCEL after ``cancel_meeting``)."""
    return invitation(selectors.meeting_event(meeting), method, now=now)


def _course_event(course_id: int, method: Method, recipient) -> CalendarEvent | None:
    booking = (
        Booking.objects.filter(course_id=course_id, learner=recipient)
        .select_related("learner", "course__venue", "course__municipality")
        .prefetch_related(selectors.sessions_prefetch("course__"))
        .order_by("-pk")
        .first()
    )
    if booking is None or booking.confirmed_at is None:
        return None
    course = booking.course
    if method is Method.REQUEST:
        if booking.status != BookingStatus.CONFIRMED or course.status != CourseStatus.PUBLISHED:
            return None
        return selectors.booking_event(booking)
    if booking.status != BookingStatus.CANCELLED:
        return None  # booked again meanwhile: the event is current, nothing to cancel
    course_cancelled = booking.cancel_reason == CancelReason.COURSE_CANCELLED
    if course_cancelled != (course.status == CourseStatus.CANCELLED):
        return None
    return selectors.booking_event(booking)


def _meeting_event(meeting_id: int, method: Method, recipient) -> CalendarEvent | None:
    meeting = selectors.meetings_for_calendar().filter(pk=meeting_id).first()
    if meeting is None:
        return None
    mentorship = meeting.mentorship
    if recipient.pk not in (mentorship.coach_id, mentorship.learner_id):
        return None
    if (meeting.status == MeetingStatus.CANCELLED) != (method is Method.CANCEL):
        return None
    return selectors.meeting_event(meeting)


def invitation_for(
    *, kind: str, object_id: int, method: str, recipient, now: datetime | None = None
) -> tuple[str, bytes] | None:
    """``(mimetype, ics)`` for ``EmailMultiAlternatives.attach_alternative``,
    or None when there is nothing (left) to invite to — a booking cancelled
    meanwhile, or a course without any date; the message then goes out
    without the file and its text does not mention one.

    ``kind`` is ``"course"`` or ``"meeting"``. The texts are in the
    recipient's language. The mimetype is ``text/calendar; method=…`` without
    a charset, because Django appends ``charset="utf-8"`` itself.
    """
    wanted = Method(method)
    language = getattr(recipient, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        if kind == "course":
            event = _course_event(object_id, wanted, recipient)
        elif kind == "meeting":
            event = _meeting_event(object_id, wanted, recipient)
        else:
            raise ValueError(f"unknown calendar kind {kind!r}")
        if event is None or not has_dates(event):
            return None
        ics = invitation(event, wanted, now=now)
    return invitation_mime_parts(ics, wanted).django_mimetype, ics
