"""The private feed's body, built from each event's VEVENTs serialised once.

``builders.feed`` serialises the whole calendar with icalendar on every
request; for a thousand events that is most of the time a feed costs. The
bytes of one event's components depend on nothing but the event (a frozen
dataclass: every field the builders read, LAST-MODIFIED/DTSTAMP included), so
they are kept per event in this process (least recently used out first) and a
feed is the calendar's head, the events' bytes in UID order and its end —
byte for byte what ``builders.feed`` writes for the same events
(``tests/calendars/test_feed_cache.py`` compares the two).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import lru_cache

from django.utils import translation

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


# A course copy's serialised VEVENTs, kept per process by what they are made of.
_copies: OrderedDict[tuple, tuple[str, bytes]] = OrderedDict()


def _copy_key(key: tuple, copy, domain: str, language: str | None) -> tuple:
    return (key, copy, domain, language)


def personal_feed(user, *, region: str | None, since, name: str) -> bytes:
    """The body of ``user``'s feed: ``feed_body(selectors.feed_events(…))``,
    byte for byte, reading and serialising only the courses that changed.

    ``selectors.feed_plan`` reads each course's key (its stamps, sequences and
    the version of its sessions, kept by the database) and the person's copy
    of it (their booking); a copy whose key, person's parameters, domain and
    language were serialised before in this process is taken as it is. Only the
    others' rows and sessions are read (``feed_course_rows``) and serialised,
    and kept under the key of the rows actually read. After one session moved,
    one course is read again instead of a thousand."""
    from . import selectors

    language = translation.get_language()
    plan = selectors.feed_plan(user, region=region, since=since)
    parts: dict[str, bytes] = {}
    missing = []
    for copy in plan.copies:
        key = _copy_key(plan.keys[copy.course_id], copy, plan.domain, language)
        cached = _copies.get(key)
        if cached is None:
            missing.append(copy)
        else:
            _copies.move_to_end(key)
            parts.setdefault(cached[0], cached[1])
    if missing:
        rows, sessions = selectors.feed_course_rows(plan, (copy.course_id for copy in missing))
        for copy in missing:
            row = rows.get(copy.course_id)
            if row is None:  # deleted since the plan was read
                continue
            event = selectors.copy_event(row, sessions[copy.course_id], copy, plan.domain)
            serialised = b"".join(
                component.to_ical() for component in _components(event, stamp=event.stamp)
            )
            _copies[_copy_key(row.key, copy, plan.domain, language)] = (event.uid, serialised)
            parts.setdefault(event.uid, serialised)
        while len(_copies) > EVENT_CACHE_SIZE:
            _copies.popitem(last=False)
    for meeting in plan.meetings:
        parts[meeting.uid] = event_bytes(meeting)
    return b"".join((_head(name, FEED_REFRESH), *(parts[uid] for uid in sorted(parts)), _END))


# Bodies kept per process by their ETag (each up to about a MiB for a thousand events).
BODY_CACHE_SIZE = 16
_bodies: OrderedDict[str, bytes] = OrderedDict()


def body_for_etag(etag: str, build: Callable[[], bytes]) -> bytes:
    """The body last built in this process under ``etag``, or ``build()``.

    The ETag is a digest of everything the body is made of
    (``feed_version.feed_etag``: any change that alters the body changes it,
    and it is read before the build), so a body built under it is the body
    for as long as the ETag stays the same: a calendar that polls without
    ``If-None-Match`` gets it without a build."""
    body = _bodies.get(etag)
    if body is None:
        body = _bodies[etag] = build()
        while len(_bodies) > BODY_CACHE_SIZE:
            _bodies.popitem(last=False)
    else:
        _bodies.move_to_end(etag)
    return body
