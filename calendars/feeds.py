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

from collections.abc import Iterable
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
