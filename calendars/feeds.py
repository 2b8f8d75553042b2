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
