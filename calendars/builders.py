"""iCalendar (RFC 5545) from plain dataclasses: pure functions, no database.

What makes Outlook, Google and Apple *update* an event instead of adding a
second one, and how each rule is kept here:

- The same UID for an object everywhere (``course-<id>@<domain>``,
  ``meeting-<id>@<domain>``, the installation's ``KURSLOTSE_CALENDAR_DOMAIN``),
  in invitations, downloads and feeds alike.
- SEQUENCE raised only by us, with every change (``events.series_sequence``
  for courses, ``Meeting.sequence`` for meetings); a CANCEL carries a
  SEQUENCE above the last REQUEST because the cancelling service raised it
  before the caller builds the message (see ``invitation``).
- METHOD inside the calendar *and* in the MIME type (``invitation_mime_parts``),
  ORGANIZER and ATTENDEE (with RSVP) in every component of a REQUEST/CANCEL,
  one UID per invitation.
- DTSTART/DTEND/EXDATE/RECURRENCE-ID all with ``TZID=Europe/Berlin`` and a
  VTIMEZONE for it; RRULE ``UNTIL`` in UTC (``…Z``), as RFC 5545 demands when
  DTSTART has a zone.
- LAST-MODIFIED is when what the event shows last changed (the selectors
  derive it from the course, its sessions, its venue, the booking or the
  meeting); in feeds DTSTAMP is the same moment, so unchanged data gives the
  same bytes (stable ETags) and a change moves both.

**The VTIMEZONE is written as Outlook, Google and Apple write it**: one
STANDARD and one DAYLIGHT component with yearly rules (last Sunday of March
02:00 → CEST, last Sunday of October 03:00 → CET), valid for every year
since the EU rules of 1996. Zones generated from zoneinfo as a list of
one-off transitions (DTSTART plus RDATE lists) are misread by Mozilla's
ical.js (Thunderbird), which ignores DTSTART when RDATE is present and reads
only the first RDATE value: sessions after a clock change came out an hour
late (18:00 shown as 19:00), and classic Outlook is reported to do the same.
``tests/calendars/test_clients.py`` expands what we send with ical.js and
recurring-ical-events and compares it with the plan.

A course series is one master VEVENT (weekly RRULE, EXDATE for the dates
without a session) plus one overriding VEVENT (same UID, RECURRENCE-ID = the
planned start) per moved session.

**A single cancelled session becomes an EXDATE, not an override with
STATUS:CANCELLED.** Google Calendar ignores STATUS on overriding instances of
subscribed calendars and of invitations in some cases and keeps showing the
date as if it took place — the worst failure for a learner who would travel
to a closed classroom. An EXDATE removes the date in every client. The fact
that a date was cancelled stays visible in the series' description (the
selectors list the cancelled dates there) and in the notification email.
A whole cancelled course keeps its dates and gets STATUS:CANCELLED on the
master (and on the overrides of moved dates, since an override replaces the
whole instance, status included): clients then strike the series through or
remove it, and nothing claims it takes place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule
from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vRecur,
)

from .events import Attendee, CalendarEvent, CourseSeries, MeetingEvent, Method, Person

TZID = "Europe/Berlin"
BERLIN = ZoneInfo(TZID)
PRODID = "-//Kurslotse//Kurslotse//DE"
FEED_REFRESH = timedelta(hours=12)
ICAL_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
INVITATION_FILENAME = "invite.ics"


# --- The time zone ---------------------------------------------------------------------------


def berlin_timezone() -> Timezone:
    """Europe/Berlin as one DAYLIGHT and one STANDARD rule (see the module docstring).

    1970 is the conventional first DTSTART of such rules (Outlook writes
    1601, Google 1970); the rules give the right offset for every year since
    1996, when the EU's last-Sunday-of-October rule began.
    """
    zone = Timezone()
    zone.add("tzid", TZID)
    zone.add("x-lic-location", TZID)
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    daylight.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))
    daylight.add("rrule", vRecur(freq="YEARLY", bymonth=3, byday="-1SU"))
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    standard.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))
    standard.add("rrule", vRecur(freq="YEARLY", bymonth=10, byday="-1SU"))
    zone.add_component(daylight)
    zone.add_component(standard)
    return zone


# --- Course series --------------------------------------------------------------------------


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=BERLIN)


def rule_dates(series: CourseSeries) -> list[date]:
    """The dates the weekly rule produces, before any exception (0 = Monday)."""
    days = sorted(set(series.weekdays))
    if not days or series.ends_on < series.starts_on:
        return []
    rule = rrule(
        WEEKLY,
        byweekday=days,
        dtstart=datetime.combine(series.starts_on, time()),
        until=datetime.combine(series.ends_on, time()),
    )
    return [moment.date() for moment in rule]


def _excluded_dates(series: CourseSeries, planned: list[date]) -> list[date]:
    """Planned dates without a session: exceptions (holidays), dates whose
    session was cancelled (while the course goes on), dates with no session."""
    known = {session.original_date for session in series.sessions}
    cancelled = set()
    if not series.cancelled:
        cancelled = {s.original_date for s in series.sessions if s.cancelled}
    skipped = set(series.exception_dates) | cancelled
    return [day for day in planned if day in skipped or (series.sessions and day not in known)]


def _is_moved(series: CourseSeries, session) -> bool:
    return (
        session.date != session.original_date
        or session.start_time != series.start_time
        or session.end_time != series.end_time
    )


def _address(person: Person) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = person.name
    if person.sent_by:
        address.params["SENT-BY"] = f"mailto:{person.sent_by}"
    return address


def _attendee(attendee: Attendee) -> vCalAddress:
    address = _address(attendee.person)
    address.params["CUTYPE"] = "INDIVIDUAL"
    address.params["ROLE"] = attendee.role
    address.params["PARTSTAT"] = attendee.partstat
    address.params["RSVP"] = "TRUE" if attendee.rsvp else "FALSE"
    return address


def _common(
    component: Event,
    event: CalendarEvent,
    *,
    stamp: datetime,
    cancelled: bool,
    description: str,
) -> None:
    """Properties every component of one event carries (master and overrides)."""
    component.add("uid", event.uid)
    component.add("dtstamp", stamp.astimezone(UTC))
    component.add("last-modified", event.stamp.astimezone(UTC))
    component.add("sequence", event.sequence)
    component.add("summary", event.summary)
    if description:
        component.add("description", description)
    if event.location:
        component.add("location", event.location)
    if event.url:
        component.add("url", event.url)
    component.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if event.organizer is not None:
        component.add("organizer", _address(event.organizer))
    for attendee in event.attendees:
        component.add("attendee", _attendee(attendee))


def course_components(series: CourseSeries, *, stamp: datetime) -> list[Event]:
    """The master VEVENT and the overrides of moved sessions (all with one UID).

    Empty if the rule yields no date at all (a course without any session).
    """
    planned = rule_dates(series)
    if not planned:
        return []
    master = Event()
    _common(master, series, stamp=stamp, cancelled=series.cancelled, description=series.description)
    master.add("dtstart", _local(planned[0], series.start_time))
    master.add("dtend", _local(planned[0], series.end_time))
    until = _local(series.ends_on, series.end_time).astimezone(UTC)
    byday = [ICAL_WEEKDAYS[day] for day in sorted(set(series.weekdays))]
    master.add("rrule", vRecur(freq="WEEKLY", byday=byday, until=until))
    excluded = _excluded_dates(series, planned)
    if excluded:
        master.add("exdate", [_local(day, series.start_time) for day in excluded])
    planned_set = set(planned)
    extra = sorted(
        s.original_date
        for s in series.sessions
        if s.original_date not in planned_set and (series.cancelled or not s.cancelled)
    )
    if extra:
        master.add("rdate", [_local(day, series.start_time) for day in extra])

    components = [master]
    for session in sorted(series.sessions, key=lambda s: s.original_date):
        if not _is_moved(series, session):
            continue
        if session.cancelled and not series.cancelled:
            continue  # an EXDATE already (see the module docstring)
        override = Event()
        description = "\n\n".join(part for part in (series.description, session.note) if part)
        _common(override, series, stamp=stamp, cancelled=series.cancelled, description=description)
        override.add("recurrence-id", _local(session.original_date, series.start_time))
        override.add("dtstart", _local(session.date, session.start_time))
        override.add("dtend", _local(session.date, session.end_time))
        components.append(override)
    return components


# --- Coaching meetings ----------------------------------------------------------------------


def meeting_component(meeting: MeetingEvent, *, stamp: datetime) -> Event:
    """One VEVENT; ORGANIZER and ATTENDEEs come from the dataclass as given."""
    component = Event()
    _common(
        component,
        meeting,
        stamp=stamp,
        cancelled=meeting.cancelled,
        description=meeting.description,
    )
    component.add("dtstart", meeting.starts_at.astimezone(BERLIN))
    component.add("dtend", meeting.ends_at.astimezone(BERLIN))
    return component


# --- Calendars ------------------------------------------------------------------------------


def _components(event: CalendarEvent, *, stamp: datetime) -> list[Event]:
    if isinstance(event, CourseSeries):
        return course_components(event, stamp=stamp)
    return [meeting_component(event, stamp=stamp)]


def has_dates(event: CalendarEvent) -> bool:
    """Whether the event has any date to put into a calendar."""
    return isinstance(event, MeetingEvent) or bool(rule_dates(event))


def _calendar(method: Method | None) -> Calendar:
    """A calendar with its VTIMEZONE, always: even a feed without events is a
    valid calendar then (RFC 5545 needs at least one component)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method.value)
    calendar.add_component(berlin_timezone())
    return calendar


def invitation(event: CalendarEvent, method: Method | str, *, now: datetime | None = None) -> bytes:
    """An iTIP message (RFC 5546) for one event: METHOD:REQUEST, CANCEL or PUBLISH.

    REQUEST: the whole event — for a course series the master and its
    overrides, all with one UID — sent on booking confirmation, on meeting
    creation and again after every change (with the raised SEQUENCE).

    CANCEL: the master only, STATUS:CANCELLED. Its SEQUENCE must be higher
    than the last REQUEST's; the caller guarantees it by building the event
    *after* the cancelling service ran: ``cancel_meeting`` raises
    ``Meeting.sequence``, ``cancel_course`` raises the sessions' sequences
    and marks the course cancelled (+1), and a learner leaving a course that
    goes on is covered by ``selectors.booking_event`` (its
    ``sequence_offset``). DTSTAMP is ``now`` (when the message is made).

    PUBLISH: the whole event without ATTENDEEs (RFC 5546 3.2.1 allows none) —
    a file a person downloads and imports; the same UID and SEQUENCE as the
    invitations, so a later REQUEST by email updates what was imported.
    """
    method = Method(method)
    stamp = now or datetime.now(UTC)
    if method is Method.PUBLISH:
        event = replace(event, attendees=())
    components = _components(event, stamp=stamp)
    if not components:
        raise ValueError(f"{event.uid} has no date to invite to")
    if method is Method.CANCEL:
        components = components[:1]
        components[0].pop("STATUS")
        components[0].add("status", "CANCELLED")
    calendar = _calendar(method)
    for component in components:
        calendar.add_component(component)
    return calendar.to_ical()


def feed(events: Iterable[CalendarEvent], *, name: str, refresh: timedelta = FEED_REFRESH) -> bytes:
    """A subscription calendar (no METHOD): every event's current state.

    DTSTAMP and LAST-MODIFIED are each event's ``stamp`` (in a calendar
    without METHOD DTSTAMP means the last revision), so the same data always
    gives the same bytes and the feed's ETag only changes when something did.
    Events are ordered by UID. Without events the feed is still a valid
    calendar: the VTIMEZONE is always there.
    """
    events = sorted(events, key=lambda event: event.uid)
    calendar = _calendar(None)
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))
    for event in events:
        for component in _components(event, stamp=event.stamp):
            calendar.add_component(component)
    return calendar.to_ical()


# --- Email ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationParts:
    """What an email needs to carry an invitation (see ``calendars.email``)."""

    content_type: str
    content: bytes
    filename: str = INVITATION_FILENAME

    @property
    def method(self) -> str:
        return self.content_type.split("method=", 1)[1].split(";", 1)[0]

    @property
    def django_mimetype(self) -> str:
        """The type without ``charset`` — Django's ``attach_alternative`` appends
        its own, and a second charset parameter confuses some clients."""
        return self.content_type.rsplit(";", 1)[0]


def invitation_mime_parts(ics: bytes, method: Method | str) -> InvitationParts:
    """``text/calendar; method=…; charset=UTF-8`` plus the bytes and a file name.

    Send it as a ``text/calendar`` *alternative* in the message's
    multipart/alternative (that is what Outlook, Gmail and Apple Mail read as
    an invitation or update) and, for clients that only show attachments, also
    as an ``invite.ics`` attachment — as Google Calendar's own invitations do.
    ``calendars.email.attach_invitation`` does both for Django messages.
    """
    method = Method(method)
    return InvitationParts(
        content_type=f"text/calendar; method={method.value}; charset=UTF-8", content=ics
    )
