"""Reads that turn courses, bookings and meetings into the builders' dataclasses.

Everything a calendar shows is decided here, in the active language: titles,
places, and which links a person may see. Course online links only go to
confirmed participants (``include_online_link``); meeting links only ever
reach the meeting's two participants (the only people whose invitations and
feeds contain the meeting). Coaches' notes are never read here.

Who organizes (RFC 6047): every invitation — course or coaching meeting — is
organized by the coordination office's mailbox (``office()``, the setting
``KURSLOTSE_CALENDAR_ORGANIZER``), the address the emails come from (or, when
the two differ, ORGANIZER carries SENT-BY the sender). See ``meeting_event``
for why the coach is an attendee rather than the organizer.

LAST-MODIFIED (``stamp``) is the latest change of anything the event shows:
the course, its sessions and its venue (plus, for one learner's copy, their
booking), or the meeting.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parseaddr
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db import connection, connections
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, TextField
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import COORDINATOR, has_role
from coaching.constants import MeetingStatus
from coaching.models import Meeting
from common import formatting
from courses.constants import (
    PARTICIPANT_STATUS,
    BookingStatus,
    CancelReason,
    CourseStatus,
    SessionStatus,
)
from courses.models import Booking, Course, CourseSession
from places.constants import Region

from .events import Attendee, CalendarEvent, CourseSeries, MeetingEvent, Person, Session

# Course events kept per process by ``_row_series`` (as ``feeds.EVENT_CACHE_SIZE``).
EVENT_CACHE_SIZE = 5_000
# Courses of a region feed that ended longer ago than this drop out of it.
REGION_FEED_HISTORY = timedelta(days=365)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_COURSE_RELATED = ("venue", "municipality")


def sessions_prefetch(prefix: str = "") -> Prefetch:
    return Prefetch(f"{prefix}sessions", queryset=CourseSession.objects.order_by("original_date"))


def courses_for_calendar():
    """Courses with what ``course_event`` reads, in a fixed number of queries."""
    return Course.objects.select_related(*_COURSE_RELATED).prefetch_related(sessions_prefetch())


# --- Courses --------------------------------------------------------------------------------


def _person(user) -> Person:
    return Person(name=user.get_full_name(), email=user.email or "")


def _attendees(*attendees: Attendee) -> tuple[Attendee, ...]:
    """Attendees with an address: people registered by phone have none (an
    ATTENDEE is a ``mailto:``), and are told by the office instead."""
    return tuple(attendee for attendee in attendees if attendee.person.email)


def office() -> Person:
    """The organizer of every invitation: the coordination office's mailbox,
    where calendar replies arrive. SENT-BY names the sender address when the
    emails come from another one (``DEFAULT_FROM_EMAIL``)."""
    name, email = parseaddr(settings.KURSLOTSE_CALENDAR_ORGANIZER)
    email = email or settings.KURSLOTSE_CALENDAR_ORGANIZER
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    sent_by = sender if sender and sender.lower() != email.lower() else ""
    return Person(name=name or "Kurslotse", email=email, sent_by=sent_by)


def _domain() -> str:
    return settings.KURSLOTSE_CALENDAR_DOMAIN


def course_stamp(course: Course, sessions: Iterable[CourseSession]) -> datetime:
    """When anything a course's calendar event shows last changed."""
    moments = [course.updated_at, *(s.updated_at for s in sessions)]
    if course.venue is not None:
        moments.append(course.venue.updated_at)
    return max(moments).astimezone(UTC)


def _cancelled(summary: str) -> str:
    return _("Cancelled: %(summary)s") % {"summary": summary}


def _course_location(course: Course, include_online_link: bool) -> str:
    venue = course.venue
    if venue is not None:
        municipality = course.municipality.name if course.municipality else ""
        return ", ".join(
            part for part in (venue.name, venue.street, f"{venue.postal_code} {municipality}")
            if part.strip()
        )  # fmt: skip
    if course.municipality is not None:
        return course.municipality.name
    if include_online_link and course.online_meeting_link:
        return course.online_meeting_link
    return _("Online")


def course_calendar_facts(course: Course) -> dict[str, object]:
    """Everything of a course (and its venue) that its calendar event shows to
    a participant, by aspect — ``courses.services`` compares these before and
    after a change to decide whether calendars must be updated. Keep it in
    step with ``course_event`` below: a field read there is an aspect here."""
    venue = course.venue
    return {
        "title": (course.title, course.level),
        "description": course.description.strip(),
        "place": (
            course.municipality.name if course.municipality else None,
            (venue.name, venue.street, venue.postal_code) if venue else None,
        ),
        "times": (course.start_time, course.end_time),
        "weekdays": tuple(sorted(set(course.weekdays or []))),
        "online_link": course.online_meeting_link,
    }


def _course_description(
    course: Course, sessions: list[CourseSession], include_online_link: bool
) -> str:
    parts = [course.description.strip()]
    if include_online_link and course.online_meeting_link:
        parts.append(_("Join online: %(link)s") % {"link": course.online_meeting_link})
    if course.status != CourseStatus.CANCELLED:
        cancelled = [s.original_date for s in sessions if s.status == SessionStatus.CANCELLED]
        if cancelled:
            dates = ", ".join(formatting.short_date(day) for day in cancelled)
            parts.append(_("No session on: %(dates)s") % {"dates": dates})
    return "\n\n".join(part for part in parts if part)


def course_event(
    course: Course,
    include_online_link: bool,
    *,
    sequence_offset: int = 0,
    organizer: Person | None = None,
    attendees: tuple[Attendee, ...] = (),
    changed_at: datetime | None = None,
) -> CourseSeries:
    """A course series as planned, with its moved and cancelled sessions.

    Reads ``course.sessions.all()`` (prefetch it: ``courses_for_calendar``),
    ``course.venue`` and ``course.municipality``. ``changed_at`` is a later
    change that only this copy shows (a learner's booking), for LAST-MODIFIED.
    """
    sessions = list(course.sessions.all())
    cancelled = course.status == CourseStatus.CANCELLED
    summary = f"{course.title} ({course.level})"
    return CourseSeries(
        course_id=course.pk,
        summary=_cancelled(summary) if cancelled else summary,
        description=_course_description(course, sessions, include_online_link),
        location=_course_location(course, include_online_link),
        starts_on=course.starts_on,
        ends_on=course.ends_on,
        weekdays=tuple(course.weekdays),
        start_time=course.start_time,
        end_time=course.end_time,
        exception_dates=tuple(course.exception_date_objects()),
        sessions=tuple(
            Session(
                original_date=s.original_date,
                date=s.date,
                start_time=s.start_time,
                end_time=s.end_time,
                cancelled=s.status == SessionStatus.CANCELLED,
                note=s.note,
                sequence=s.sequence,
            )
            for s in sessions
        ),
        cancelled=cancelled,
        course_sequence=course.calendar_sequence,
        sequence_offset=sequence_offset,
        stamp=max(course_stamp(course, sessions), (changed_at or EPOCH).astimezone(UTC)),
        organizer=organizer,
        attendees=attendees,
        domain=_domain(),
    )


# Bookings that put a course in its learner's feed: confirmed, or cancelled with
# the course while confirmed.
_HELD = Q(status=BookingStatus.CONFIRMED) | Q(
    status=BookingStatus.CANCELLED,
    cancel_reason=CancelReason.COURSE_CANCELLED,
    confirmed_at__isnull=False,
)
# Bookings a learner held (once confirmed) and gave up while the course went on.
_WITHDRAWN = Q(status=BookingStatus.CANCELLED, confirmed_at__isnull=False) & ~Q(
    cancel_reason=CancelReason.COURSE_CANCELLED
)


def withdrawals(learner_id: int, course_ids: Iterable[int]) -> dict[int, int]:
    """How often the learner left each course after being confirmed (one query)."""
    rows = (
        Booking.objects.filter(_WITHDRAWN, learner_id=learner_id, course_id__in=course_ids)
        .values("course_id")
        .annotate(n=Count("pk"))
    )
    return {row["course_id"]: row["n"] for row in rows}


def booking_event(booking: Booking, *, withdrawn: int | None = None) -> CourseSeries:
    """The course series as its learner's invitation (and feed) shows it.

    ORGANIZER is the office, the one ATTENDEE the learner (accepted: they booked).

    Leaving a course that goes on, and booking it again, changes nothing in
    the course, yet the learner's calendar must take the CANCEL and then the
    new REQUEST. So this learner's copy gets ``sequence_offset = 2 * (times
    they left the course)``, minus 1 for the CANCEL of the booking just left:
    REQUEST n, CANCEL n+1, REQUEST again n+2, … — always rising.
    ``withdrawn`` may be given (``withdrawals``) to save the count query.
    """
    if withdrawn is None:
        withdrawn = withdrawals(booking.learner_id, [booking.course_id]).get(booking.course_id, 0)
    left_this_one = (
        booking.status == BookingStatus.CANCELLED
        and booking.confirmed_at is not None
        and booking.cancel_reason != CancelReason.COURSE_CANCELLED
    )
    offset = 2 * withdrawn - (1 if left_this_one else 0)
    attendee = Attendee(_person(booking.learner), partstat="ACCEPTED", rsvp=False)
    moments = [m for m in (booking.confirmed_at, booking.cancelled_at) if m is not None]
    return course_event(
        booking.course,
        # The participant's own copy: the same rule as the course page and the API.
        include_online_link=booking.status == PARTICIPANT_STATUS,
        sequence_offset=max(offset, 0),
        organizer=office(),
        attendees=_attendees(attendee),
        changed_at=max(moments, default=None),
    )


# --- Meetings -------------------------------------------------------------------------------


def meeting_event(meeting: Meeting) -> MeetingEvent:
    """A coaching meeting for its two participants, organized by the office.

    ORGANIZER is the office mailbox (``office()``), the address the
    invitation emails come from; the coach (CHAIR, already accepted) and the
    learner (asked to answer, RSVP) are both ATTENDEEs, and both receive every
    REQUEST and CANCEL. Why not the coach as ORGANIZER: the message is sent
    by Kurslotse, not from the coach's mailbox, so Gmail and Outlook would
    flag an organizer who is not the sender ("may not be from the
    organizer"; SENT-BY is ignored by Outlook), the learner's accept/decline
    would go to the coach's private address instead of a mailbox the office
    reads, and the coach's own calendar would get an invitation organized by
    themselves, which Google and Outlook treat as their own event they can
    neither accept nor get updates for. With the office as organizer the
    coach's calendar shows the meeting like any invitation and updates it
    with every change (changes are made in Kurslotse, never in a client).

    Reads ``meeting.mentorship`` with its coach and learner (select them).
    The online link is shown: both readers take part; nobody else ever gets
    this event."""
    mentorship = meeting.mentorship
    coach, learner = mentorship.coach, mentorship.learner
    summary = _("Coaching: %(coach)s and %(learner)s") % {
        # An erased coach leaves the mentorship (and its past meetings) without one.
        "coach": coach.get_full_name() if coach else "-",
        "learner": learner.get_full_name(),
    }
    cancelled = meeting.status == MeetingStatus.CANCELLED
    location = meeting.place or meeting.online_link
    description = ""
    if meeting.place and meeting.online_link:
        description = _("Join online: %(link)s") % {"link": meeting.online_link}
    return MeetingEvent(
        meeting_id=meeting.pk,
        summary=_cancelled(summary) if cancelled else summary,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        stamp=meeting.updated_at.astimezone(UTC),
        sequence=meeting.sequence,
        description=description,
        location=location,
        cancelled=cancelled,
        organizer=office(),
        attendees=_attendees(
            Attendee(_person(learner), partstat="NEEDS-ACTION", rsvp=True),
            *(
                [Attendee(_person(coach), role="CHAIR", partstat="ACCEPTED", rsvp=False)]
                if coach
                else []
            ),
        ),
        domain=_domain(),
    )


def meetings_for_calendar():
    return Meeting.objects.select_related("mentorship__coach", "mentorship__learner")


# --- The feed -------------------------------------------------------------------------------


def valid_region(region: str | None) -> str | None:
    return region if region in Region.values else None


def region_feed_allowed(user) -> bool:
    return has_role(user, COORDINATOR)


def region_feed_since():
    """The first last day a region feed still shows (``REGION_FEED_HISTORY``)."""
    return timezone.localdate() - REGION_FEED_HISTORY


# Plain rows for the feed: a thousand events are some 13,000 model instances
# (mostly sessions), which cost far more than the calendar they become. These
# are the columns ``course_event`` reads, as named tuples the same helpers read.
class _VenueRow(NamedTuple):
    name: str
    street: str
    postal_code: str


class _PlaceRow(NamedTuple):
    name: str


class _CourseRow(NamedTuple):
    pk: int
    title: str
    level: str
    description: str
    online_meeting_link: str
    status: str
    starts_on: date
    ends_on: date
    weekdays: tuple[int, ...]
    start_time: time
    end_time: time
    exception_dates: tuple
    calendar_sequence: int
    venue: _VenueRow | None
    municipality: _PlaceRow | None
    stamp: datetime  # of the course, its venue and its sessions (``course_stamp``)
    key: tuple  # what the event is made of (``_KEY_COLUMNS``), for caches


class _SessionRow(NamedTuple):
    original_date: date
    date: date
    start_time: time
    end_time: time
    status: str
    note: str
    sequence: int


_COURSE_COLUMNS = (
    "pk", "title", "level", "description", "online_meeting_link", "status", "starts_on",
    "ends_on", "weekdays", "start_time", "end_time", "exception_dates", "calendar_sequence",
    "venue_id", "venue__name", "venue__street", "venue__postal_code", "municipality_id",
    "municipality__name", "changed",
)  # fmt: skip
# A course's key: what its calendar event is made of, as few narrow columns.
# Every write of a course stamps ``updated_at`` or raises ``calendar_sequence``,
# every write of a venue stamps its ``updated_at``, and the database raises
# ``sessions_version`` with every change of the course's sessions (migration
# ``courses.0008``); the municipality is read by name (the admin may rename one).
# Timestamps as text: equal values give equal keys, and the driver parses none.
# ``_plan_statement`` reads the same columns in the same order.
_KEY_COLUMNS = (
    "pk", "key_changed", "calendar_sequence", "sessions_version", "status", "venue_id",
    "key_venue_changed", "municipality_id", "municipality__name",
)  # fmt: skip


def _with_key_columns(courses):
    return courses.annotate(
        key_changed=Cast("updated_at", TextField()),
        key_venue_changed=Cast("venue__updated_at", TextField()),
    )


_SESSION_COLUMNS = (
    "course_id", "original_date", "date", "start_time", "end_time", "status", "note", "sequence",
)  # fmt: skip


def _course_rows(courses) -> tuple[dict[int, _CourseRow], dict[int, list[_SessionRow]]]:
    """The courses of ``courses`` (a queryset) and their sessions, in two queries.

    ``stamp`` is ``course_stamp`` computed by the database: the latest
    ``updated_at`` of the course, its venue and its sessions (one timestamp per
    course to read instead of one per session)."""
    latest_session = (
        CourseSession.objects.filter(course_id=OuterRef("pk"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    changed = Greatest(
        "updated_at",
        Coalesce("venue__updated_at", "updated_at"),
        Coalesce(Subquery(latest_session), "updated_at"),
    )
    rows: dict[int, _CourseRow] = {}
    for (
        pk, title, level, description, link, status, starts_on, ends_on, weekdays, start_time,
        end_time, exception_dates, sequence, venue_id, venue_name, street, postal_code,
        place_id, place, stamp, *key,
    ) in _with_key_columns(courses.annotate(changed=changed)).values_list(
        *_COURSE_COLUMNS, *_KEY_COLUMNS
    ):  # fmt: skip
        rows[pk] = _CourseRow(
            pk, title, level, description, link, status, starts_on, ends_on, tuple(weekdays),
            start_time, end_time, tuple(exception_dates), sequence,
            None if venue_id is None else _VenueRow(venue_name, street, postal_code),
            None if place_id is None else _PlaceRow(place),
            stamp.astimezone(UTC), tuple(key),
        )  # fmt: skip
    sessions: dict[int, list[_SessionRow]] = {pk: [] for pk in rows}
    if rows:
        # The same courses as a subquery (a list of a thousand ids costs more to
        # send than the sessions), fetched in one go: Django's row iteration
        # costs more than these plain columns need.
        query = (
            CourseSession.objects.filter(course__in=courses.values("pk"))
            .order_by("course_id", "original_date")
            .values_list(*_SESSION_COLUMNS)
        )
        sql, params = query.query.sql_with_params()
        with connections[query.db].cursor() as cursor:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                sessions[row[0]].append(_SessionRow._make(row[1:]))
    return rows, sessions


@lru_cache(maxsize=50_000)
def _row_session(row: _SessionRow) -> Session:
    """One session's dataclass, made once per process for each state of the row
    (a frozen dataclass costs more to make than to look up)."""
    return Session(
        original_date=row.original_date,
        date=row.date,
        start_time=row.start_time,
        end_time=row.end_time,
        cancelled=row.status == SessionStatus.CANCELLED,
        note=row.note,
        sequence=row.sequence,
    )


@lru_cache(maxsize=EVENT_CACHE_SIZE)
def _cached_series(
    course: _CourseRow,
    sessions: tuple[_SessionRow, ...],
    include_online_link: bool,
    sequence_offset: int,
    organizer: Person | None,
    attendees: tuple[Attendee, ...],
    changed_at: datetime | None,
    domain: str,
    language: str | None,
) -> CourseSeries:
    return _build_row_series(
        course, sessions, include_online_link, sequence_offset=sequence_offset,
        organizer=organizer, attendees=attendees, changed_at=changed_at, domain=domain,
    )  # fmt: skip


def _row_series(
    course: _CourseRow,
    sessions: list[_SessionRow],
    include_online_link: bool,
    *,
    sequence_offset: int = 0,
    organizer: Person | None = None,
    attendees: tuple[Attendee, ...] = (),
    changed_at: datetime | None = None,
    domain: str,
) -> CourseSeries:
    """``course_event`` for a course read as plain rows (``_course_rows``), made
    once per process for the same rows, copy and language (texts and date
    formats are the active language's): the same rows give the same event,
    which ``feeds.event_bytes`` then finds serialised."""
    return _cached_series(
        course, tuple(sessions), include_online_link, sequence_offset, organizer, attendees,
        changed_at, domain, translation.get_language(),
    )  # fmt: skip


def _build_row_series(
    course: _CourseRow,
    sessions: Iterable[_SessionRow],
    include_online_link: bool,
    *,
    sequence_offset: int = 0,
    organizer: Person | None = None,
    attendees: tuple[Attendee, ...] = (),
    changed_at: datetime | None = None,
    domain: str,
) -> CourseSeries:
    cancelled = course.status == CourseStatus.CANCELLED
    summary = f"{course.title} ({course.level})"
    return CourseSeries(
        course_id=course.pk,
        summary=_cancelled(summary) if cancelled else summary,
        description=_course_description(course, sessions, include_online_link),  # type: ignore[arg-type]
        location=_course_location(course, include_online_link),  # type: ignore[arg-type]
        starts_on=course.starts_on,
        ends_on=course.ends_on,
        weekdays=tuple(course.weekdays),
        start_time=course.start_time,
        end_time=course.end_time,
        exception_dates=tuple(date.fromisoformat(str(day)) for day in course.exception_dates),
        sessions=tuple(map(_row_session, sessions)),
        cancelled=cancelled,
        course_sequence=course.calendar_sequence,
        sequence_offset=sequence_offset,
        stamp=max(course.stamp, (changed_at or EPOCH).astimezone(UTC)),
        organizer=organizer,
        attendees=attendees,
        domain=domain,
    )


_MEETINGS_STATEMENT = """
    SELECT m.id, m.status, m.place, m.online_link, CAST(m.starts_at AS TEXT),
           CAST(m.ends_at AS TEXT), CAST(m.updated_at AS TEXT), m.sequence,
           ms.coach_id, cu.full_name, cu.email, cu.phone,
           ms.learner_id, lu.full_name, lu.email, lu.phone
      FROM coaching_meeting m
      JOIN coaching_mentorship ms ON ms.id = m.mentorship_id
      LEFT JOIN accounts_user cu ON cu.id = ms.coach_id
      JOIN accounts_user lu ON lu.id = ms.learner_id
     WHERE (ms.coach_id = %s OR ms.learner_id = %s) AND ms.ended_at IS NULL
"""


def _meeting_rows(user) -> list[tuple]:
    """The meetings of the user's running mentorships with their two people, as
    plain values (timestamps as text): each row is all its event is made of."""
    with connection.cursor() as cursor:
        cursor.execute(_MEETINGS_STATEMENT, [user.pk, user.pk])
        return [tuple(row) for row in cursor.fetchall()]


def meeting_row_event(row: tuple, domain: str, organizer: Person) -> MeetingEvent:
    """``meeting_event`` for one of ``_meeting_rows``."""
    pk, status, place, link, starts_at, ends_at, changed, sequence, *who = row

    def person(pk, full_name, email, phone) -> User:
        # An unsaved user, so that names follow ``User.get_full_name`` exactly.
        return User(pk=pk, full_name=full_name, email=email, phone=phone)

    coach = None if who[0] is None else person(*who[:4])
    learner = person(*who[4:])
    summary = _("Coaching: %(coach)s and %(learner)s") % {
        "coach": coach.get_full_name() if coach else "-",
        "learner": learner.get_full_name(),
    }
    cancelled = status == MeetingStatus.CANCELLED
    return MeetingEvent(
        meeting_id=pk,
        summary=_cancelled(summary) if cancelled else summary,
        starts_at=_when(starts_at),
        ends_at=_when(ends_at),
        stamp=_when(changed),
        sequence=sequence,
        description=(_("Join online: %(link)s") % {"link": link} if place and link else ""),
        location=place or link,
        cancelled=cancelled,
        organizer=organizer,
        attendees=_attendees(
            Attendee(_person(learner), partstat="NEEDS-ACTION", rsvp=True),
            *(
                [Attendee(_person(coach), role="CHAIR", partstat="ACCEPTED", rsvp=False)]
                if coach
                else []
            ),
        ),
        domain=domain,
    )


class CourseCopy(NamedTuple):
    """One course as one person's feed shows it: the event's parameters that
    come from the person (their booking) rather than from the course. Plain
    values, so that a cache key made of them hashes fast."""

    course_id: int
    own: bool = False  # the person's booking: organized by the office, them as attendee
    include_online_link: bool = False
    sequence_offset: int = 0
    changed: str | None = None  # the booking's latest change, as the database wrote it


class FeedPlan(NamedTuple):
    """What a feed is made of, read without its courses' rows and sessions:
    each course's copy and key (``_KEY_COLUMNS``) and the meetings' rows, with
    what every event of the feed shares."""

    copies: list[CourseCopy]
    keys: dict[int, tuple]
    meetings: list[tuple]  # ``_meeting_rows``
    domain: str
    organizer: Person
    learner: tuple[Attendee, ...]  # the person as the attendee of their own copies
    courses: Q  # the feed's courses, for reading their rows (``feed_course_rows``)


def _plan_statement(user_id: int, region: str | None, since) -> tuple[str, list]:
    """Each course of the feed with its key (as ``_KEY_COLUMNS``) and the user's
    bookings of it that count (latest first), with how often they left it.

    Plain SQL, every timestamp as text: compiling the ORM's query and parsing
    two thousand timestamps cost more than the statement itself."""
    from .feed_version import feed_courses_clause

    courses, course_params = feed_courses_clause(region)
    values = [user_id, *course_params[:3]]
    if region is not None:
        values += [course_params[3], since, region]
    sql = f"""
        WITH shown AS (
            SELECT id, updated_at, calendar_sequence, sessions_version, status, venue_id,
                   municipality_id
              FROM courses_course WHERE {courses})
        SELECT c.id, CAST(c.updated_at AS TEXT), c.calendar_sequence, c.sessions_version,
               c.status, c.venue_id, CAST(v.updated_at AS TEXT), c.municipality_id, mu.name,
               b.id, b.status, CAST(b.confirmed_at AS TEXT), CAST(b.cancelled_at AS TEXT),
               b.cancel_reason,
               (SELECT COUNT(*) FROM courses_booking w
                 WHERE w.learner_id = b.learner_id AND w.course_id = b.course_id
                   AND w.status = %s AND w.confirmed_at IS NOT NULL
                   AND w.cancel_reason <> %s)
          FROM shown c
          LEFT JOIN places_venue v ON v.id = c.venue_id
          LEFT JOIN places_municipality mu ON mu.id = c.municipality_id
          LEFT JOIN courses_booking b ON b.course_id = c.id AND b.learner_id = %s
               AND (b.status = %s OR (b.status = %s AND b.cancel_reason = %s
                                      AND b.confirmed_at IS NOT NULL))
    """
    params = [
        *values,
        BookingStatus.CANCELLED.value, CancelReason.COURSE_CANCELLED.value,
        user_id, BookingStatus.CONFIRMED.value, BookingStatus.CANCELLED.value,
        CancelReason.COURSE_CANCELLED.value,
    ]  # fmt: skip
    return sql, params


def _moment(text: str | None) -> datetime | None:
    """A timestamp the database gave as text (PostgreSQL with its offset,
    SQLite in UTC without one)."""
    if text is None:
        return None
    moment = parse_datetime(text)
    if moment is None:
        raise ValueError(f"not a timestamp: {text!r}")
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _when(text: str) -> datetime:
    moment = _moment(text)
    if moment is None:
        raise ValueError("a timestamp was expected")
    return moment


def feed_plan(user, region: str | None = None, since=None) -> FeedPlan:
    """The copies of the courses in a user's private feed, their keys and the
    meetings' rows, in two queries (courses with keys and bookings, meetings).

    - the courses of their confirmed bookings (with the online link), and
      courses cancelled while they held a confirmed place (STATUS:CANCELLED,
      so subscribers see the cancellation rather than a silent disappearance);
    - the meetings of their active mentorships, as coach or learner, cancelled
      ones included as STATUS:CANCELLED;
    - for coordinators asking for a ``region``: every published course there
      (without online links: they are not participants), unless it already is
      in the feed as their own booking. Courses that ended more than
      ``REGION_FEED_HISTORY`` ago are left out.

    The caller checks that the user may ask for a region.
    """
    domain, organizer = _domain(), office()
    if region is not None:
        since = since or region_feed_since()
    keys: dict[int, tuple] = {}
    latest: dict[int, tuple] = {}  # the latest booking of each course that counts
    with connection.cursor() as cursor:
        cursor.execute(*_plan_statement(user.pk, region, since))
        for row in cursor.fetchall():
            course_id, booking_id = row[0], row[9]
            keys[course_id] = tuple(row[:9])
            if booking_id is not None and (
                course_id not in latest or latest[course_id][0] < booking_id
            ):
                latest[course_id] = row[9:]

    copies: list[CourseCopy] = []
    for course_id in sorted(keys):
        if course_id not in latest:  # a region's course (own bookings win)
            copies.append(CourseCopy(course_id))
            continue
        _, status, confirmed_at, cancelled_at, reason, left = latest[course_id]
        # As ``booking_event``: the learner's own copy.
        left_this_one = (
            status == BookingStatus.CANCELLED
            and confirmed_at is not None
            and reason != CancelReason.COURSE_CANCELLED
        )
        moments = [m for m in (confirmed_at, cancelled_at) if m is not None]
        copies.append(
            CourseCopy(
                course_id,
                own=True,
                include_online_link=status == PARTICIPANT_STATUS,
                sequence_offset=max(2 * left - (1 if left_this_one else 0), 0),
                # Parsed only to compare two (a booking confirmed, then cancelled).
                changed=max(moments, key=lambda text: _moment(text) or EPOCH)
                if len(moments) > 1
                else next(iter(moments), None),
            )
        )
    wanted = Q(pk__in=Booking.objects.filter(learner=user).filter(_HELD).values("course_id"))
    if region is not None:
        wanted |= Q(status=CourseStatus.PUBLISHED, municipality__region=region, ends_on__gte=since)
    learner = _attendees(Attendee(_person(user), partstat="ACCEPTED", rsvp=False))
    return FeedPlan(copies, keys, _meeting_rows(user), domain, organizer, learner, wanted)


# Up to this many courses are read by their ids; more, by the feed's condition
# (a long list of ids costs more to send than the rows it selects).
_BY_IDS = 100


def feed_course_rows(
    plan: FeedPlan, course_ids: Iterable[int] | None = None
) -> tuple[dict[int, _CourseRow], dict[int, list[_SessionRow]]]:
    """The rows and sessions of the plan's courses (or of ``course_ids`` among
    them), in two queries."""
    wanted = set(plan.keys if course_ids is None else course_ids)
    if not wanted:
        return {}, {}
    if len(wanted) <= _BY_IDS:
        return _course_rows(Course.objects.filter(pk__in=sorted(wanted)))
    return _course_rows(Course.objects.filter(plan.courses))


def copy_event(course: _CourseRow, sessions: list[_SessionRow], copy: CourseCopy, plan: FeedPlan):
    """The event of one course copy (``course_event``/``booking_event``)."""
    return _build_row_series(
        course, sessions, copy.include_online_link, sequence_offset=copy.sequence_offset,
        organizer=plan.organizer if copy.own else None,
        attendees=plan.learner if copy.own else (), changed_at=_moment(copy.changed),
        domain=plan.domain,
    )  # fmt: skip


def feed_events(user, region: str | None = None, since=None) -> list[CalendarEvent]:
    """Everything in a user's private feed (``feed_plan``), in a constant
    number of queries (four: courses with bookings, meetings, courses' rows,
    sessions).

    Read as plain rows, the same events ``booking_event``, ``meeting_event``
    and ``course_event`` make of model instances (``tests/calendars/reference.py``
    builds it so, and the tests compare the two byte for byte). The feed
    itself is assembled by ``feeds.personal_feed``, which reads only the rows
    of courses it has not serialised yet.
    """
    plan = feed_plan(user, region=region, since=since)
    courses, sessions = feed_course_rows(plan)
    events: dict[str, CalendarEvent] = {}
    for copy in plan.copies:
        if copy.course_id in courses:
            event = _row_series(
                courses[copy.course_id], sessions[copy.course_id],
                include_online_link=copy.include_online_link,
                sequence_offset=copy.sequence_offset,
                organizer=plan.organizer if copy.own else None,
                attendees=plan.learner if copy.own else (),
                changed_at=_moment(copy.changed), domain=plan.domain,
            )  # fmt: skip
            events.setdefault(event.uid, event)
    for row in plan.meetings:
        meeting_ev = meeting_row_event(row, plan.domain, plan.organizer)
        events[meeting_ev.uid] = meeting_ev
    return list(events.values())


def feed_name(region: str | None) -> str:
    if region is None:
        return _("Kurslotse: my dates")
    return _("Kurslotse: courses in %(region)s") % {"region": Region(region).label}


def personal_data_of(person) -> dict | None:
    """The ``calendar_feed`` section of the export: whether the person has a
    private calendar link and since when (the link itself is a secret)."""
    from .models import FeedToken

    token = FeedToken.objects.filter(user=person).first()
    return None if token is None else {"issued": token.created_at}
