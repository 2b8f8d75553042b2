"""The private feed's body, built from each event's VEVENTs serialised once.

``builders.feed`` serialises the whole calendar with icalendar on every
request; for a thousand events that is most of the time a feed costs. The
bytes of one event's components depend on nothing but the event (a frozen
dataclass: every field the builders read, LAST-MODIFIED/DTSTAMP included), so
a feed is the calendar's head, the events' bytes in UID order and its end —
byte for byte what ``builders.feed`` writes for the same events
(``tests/calendars/test_feed_cache.py`` compares the two).

``personal_feed`` (the view's) keeps those bytes per course copy and meeting
by the few database values they are made of (``selectors.feed_plan``), so it
reads and serialises only what changed; ``feed_body`` keeps them per event
dataclass (for callers that have the events).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import lru_cache
from itertools import count

from django.utils import translation

from common.kept import KeptPerProcess

from .builders import FEED_REFRESH, _components, feed
from .events import CalendarEvent

# Serialised events kept per process (each a few KiB with its key): a few large
# feeds, or many small ones, between their changes.
EVENT_CACHE_SIZE = 5_000
_END = b"END:VCALENDAR\r\n"


@lru_cache(maxsize=EVENT_CACHE_SIZE)
def event_bytes(event: CalendarEvent) -> bytes:
    """The VEVENTs of one event as a feed carries them (DTSTAMP = its stamp)."""
    return b"".join(component.to_ical() for component in _components(event, stamp=event.stamp))


@lru_cache(maxsize=256)
def _head(name: str, refresh: timedelta) -> bytes:
    """Everything before the first VEVENT: the calendar's properties and VTIMEZONE."""
    empty = feed([], name=name, refresh=refresh)
    assert empty.endswith(_END)
    return empty[: -len(_END)]


def feed_body(
    events: Iterable[CalendarEvent], *, name: str, refresh: timedelta = FEED_REFRESH
) -> bytes:
    """``builders.feed(events, name=name, refresh=refresh)``, from cached parts."""
    ordered = sorted(events, key=lambda event: event.uid)
    return b"".join((_head(name, refresh), *(event_bytes(event) for event in ordered), _END))


# Each course copy's and meeting's serialised VEVENTs, kept per process by
# what they are made of (least recently used out first).
_copies: KeptPerProcess[tuple, tuple[str, bytes]] = KeptPerProcess(EVENT_CACHE_SIZE)
# What all events of a feed share (domain, organizer, the person as attendee,
# language), as a number: hashing it once per feed instead of once per event.
_contexts: dict[tuple, int] = {}
_context_numbers = count()
CONTEXTS = 10_000


def _context(shared: tuple) -> int:
    number = _contexts.get(shared)
    if number is None:
        if len(_contexts) >= CONTEXTS:
            _contexts.clear()  # numbers are never reused: old keys just age out
        number = _contexts[shared] = next(_context_numbers)
    return number


def _serialised(event: CalendarEvent) -> tuple[str, bytes]:
    return event.uid, b"".join(
        component.to_ical() for component in _components(event, stamp=event.stamp)
    )


def personal_feed(user, *, region: str | None, since, name: str) -> bytes:
    """The body of ``user``'s feed: ``feed_body(selectors.feed_events(…))``,
    byte for byte, reading and serialising only what changed.

    ``selectors.feed_plan`` reads each course's key (its stamps, sequences and
    the version of its sessions, kept by the database) with the person's copy
    of it (their booking), and the meetings' rows. A course copy or meeting
    serialised before in this process under the same key, person and language
    is taken as it is; only the other courses' rows and sessions are read
    (``feed_course_rows``) and serialised, and kept under the key of the rows
    actually read. After one session moved, one course is read again instead
    of a thousand."""
    from . import selectors

    plan = selectors.feed_plan(user, region=region, since=since)
    context = _context((plan.domain, plan.organizer, plan.learner, translation.get_language()))
    parts: dict[str, bytes] = {}
    missing = []
    for copy in plan.copies:
        key = (context, plan.keys[copy.course_id], copy)
        cached = _copies.get(key)
        if cached is None:
            missing.append(copy)
        else:
            parts.setdefault(*cached)
    if missing:
        rows, sessions = selectors.feed_course_rows(plan, (copy.course_id for copy in missing))
        for copy in missing:
            row = rows.get(copy.course_id)
            if row is None:  # deleted since the plan was read
                continue
            part = _serialised(selectors.copy_event(row, sessions[row.pk], copy, plan))
            _copies.keep((context, row.key, copy), part)
            parts.setdefault(*part)
    for meeting in plan.meetings:
        meeting_key = (context, meeting)
        cached = _copies.get(meeting_key)
        if cached is None:
            cached = _serialised(selectors.meeting_row_event(meeting, plan.domain, plan.organizer))
            _copies.keep(meeting_key, cached)
        parts[cached[0]] = cached[1]
    return b"".join((_head(name, FEED_REFRESH), *(parts[uid] for uid in sorted(parts)), _END))


# Bodies kept per process by their ETag (each up to about a MiB for a thousand events).
BODY_CACHE_SIZE = 16
_bodies: KeptPerProcess[str, bytes] = KeptPerProcess(BODY_CACHE_SIZE)


def body_for_etag(etag: str, build: Callable[[], bytes]) -> bytes:
    """The body last built in this process under ``etag``, or ``build()``.

    The ETag is a digest of everything the body is made of
    (``feed_version.feed_etag``: any change that alters the body changes it,
    and it is read before the build), so a body built under it is the body
    for as long as the ETag stays the same: a calendar that polls without
    ``If-None-Match`` gets it without a build."""
    body = _bodies.get(etag)
    if body is None:
        body = build()
        _bodies.keep(etag, body)
    return body
