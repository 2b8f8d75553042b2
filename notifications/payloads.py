"""Snapshots written into notifications: what the text needs, nothing secret.

A payload keeps the words of the moment (a course title, a date) so a
message reads right even if the course changes later, plus the ids the
calendar invitation is built from at delivery time.
"""

from django.utils import timezone

from courses.constants import SessionStatus


def session_payload(session, **extra) -> dict:
    course = session.course
    venue = course.venue
    return {
        "course": course.pk,
        "session": session.pk,
        "title": course.title,
        "date": session.date.isoformat(),
        "time": f"{session.start_time:%H:%M}-{session.end_time:%H:%M}",
        "place": f"{venue.name}, {venue.street}, {venue.municipality.name}" if venue else "",
        **extra,
    }


def course_payload(course, **extra) -> dict:
    """The course with its next scheduled date (today or later; for a course
    that has ended, its last one), or without a date if it has none."""
    scheduled = course.sessions.filter(status=SessionStatus.SCHEDULED)
    session = (
        scheduled.filter(date__gte=timezone.localdate()).order_by("date", "start_time").first()
        or scheduled.order_by("-date", "-start_time").first()
    )
    if session is not None:
        # A course already running names its next date, not "the first date".
        started = scheduled.filter(date__lt=session.date).exists()
        return session_payload(session, started=started, **extra)
    return {"course": course.pk, "title": course.title, **extra}


def meeting_payload(meeting, **extra) -> dict:
    local = timezone.localtime(meeting.starts_at)
    return {
        "meeting": meeting.pk,
        "mentorship": meeting.mentorship_id,
        "date": local.date().isoformat(),
        "time": f"{local:%H:%M}",
        "place": meeting.place,
        **extra,
    }


def calendar(kind: str, object_id: int, method: str) -> dict:
    """Which calendar event to attach as an invitation (built when sending)."""
    return {"calendar": {"type": kind, "id": object_id, "method": method}}
