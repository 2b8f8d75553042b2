"""What the calendar builders take: plain, frozen dataclasses, no Django.

Selectors (``selectors.py``) turn models into these; builders (``builders.py``)
turn these into iCalendar. Everything a recipient reads (summary, description,
location) is already decided and translated here, so the builders make no
choice about content or privacy — they only encode.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time


class Method(enum.StrEnum):
    """iTIP methods (RFC 5546) Kurslotse sends. Feeds carry no METHOD.

    REQUEST and CANCEL go by email to attendees; PUBLISH is a file someone
    downloads to put into their own calendar (no attendees, nothing to answer).
    """

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"


# The right-hand side of UIDs when no installation domain is given (the
# selectors always give ``settings.KURSLOTSE_CALENDAR_DOMAIN``).
DEFAULT_UID_DOMAIN = "kurslotse.invalid"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    # As ORGANIZER: the address that sends on this person's behalf (SENT-BY).
    sent_by: str = ""


@dataclass(frozen=True)
class Attendee:
    person: Person
    role: str = "REQ-PARTICIPANT"
    partstat: str = "NEEDS-ACTION"
    rsvp: bool = False


@dataclass(frozen=True)
class Session:
    """One concrete date of a course as planned (``original_date``) and as it is now."""

    original_date: date
    date: date
    start_time: time
    end_time: time
    cancelled: bool = False
    note: str = ""
    sequence: int = 0


@dataclass(frozen=True)
class CourseSeries:
    """A weekly course: the rule it was planned with, plus what became of each date.

    ``stamp`` is when what the event shows last changed (LAST-MODIFIED
    everywhere, and DTSTAMP in feeds, which have no METHOD; invitations stamp
    DTSTAMP with the time they are built instead). ``domain`` is the
    installation's, for globally unique UIDs.
    """

    course_id: int
    summary: str
    starts_on: date
    ends_on: date
    weekdays: tuple[int, ...]
    start_time: time
    end_time: time
    stamp: datetime
    description: str = ""
    location: str = ""
    exception_dates: tuple[date, ...] = ()
    sessions: tuple[Session, ...] = ()
    cancelled: bool = False
    course_sequence: int = 0
    sequence_offset: int = 0
    url: str = ""
    organizer: Person | None = None
    attendees: tuple[Attendee, ...] = field(default=())
    domain: str = DEFAULT_UID_DOMAIN

    @property
    def uid(self) -> str:
        return course_uid(self.course_id, self.domain)

    @property
    def sequence(self) -> int:
        return series_sequence(self)


@dataclass(frozen=True)
class MeetingEvent:
    """A coaching meeting; ``starts_at``/``ends_at`` are aware datetimes."""

    meeting_id: int
    summary: str
    starts_at: datetime
    ends_at: datetime
    stamp: datetime
    sequence: int = 0
    description: str = ""
    location: str = ""
    cancelled: bool = False
    url: str = ""
    organizer: Person | None = None
    attendees: tuple[Attendee, ...] = field(default=())
    domain: str = DEFAULT_UID_DOMAIN

    @property
    def uid(self) -> str:
        return meeting_uid(self.meeting_id, self.domain)


CalendarEvent = CourseSeries | MeetingEvent


def course_uid(course_id: int, domain: str = DEFAULT_UID_DOMAIN) -> str:
    """The one UID of a course series, in every invitation and every feed.

    The installation's domain makes it globally unique (RFC 5545 3.8.4.7):
    two installations, or staging and production, never share a UID in
    someone's calendar.
    """
    return f"course-{course_id}@{domain}"


def meeting_uid(meeting_id: int, domain: str = DEFAULT_UID_DOMAIN) -> str:
    return f"meeting-{meeting_id}@{domain}"


def series_sequence(series: CourseSeries) -> int:
    """SEQUENCE of a course series (master and every override share it).

    The sum of its sessions' sequences, plus 1 once the course is cancelled,
    plus ``course_sequence`` (raised by ``courses.services`` with every change
    of what the whole series shows: title, description, place, times, online
    link), plus ``sequence_offset``. Every move or cancellation of a session raises
    that session's sequence by one (``courses.services``), so the sum rises
    with every change; the maximum would not (moving two different sessions
    once each leaves the maximum at 1, and the second update would be ignored
    by clients as stale). Cancelling the course raises the sequence of every
    session still scheduled *and* adds 1, so it rises even when none was left.

    ``sequence_offset`` is for changes that touch one attendee only (a learner
    leaving and re-joining a course): see ``selectors.booking_event``.
    """
    return (
        sum(session.sequence for session in series.sessions)
        + (1 if series.cancelled else 0)
        + series.course_sequence
        + series.sequence_offset
    )
