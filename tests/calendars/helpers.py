"""Reading produced calendars back, as a calendar client would."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Occurrence:
    uid: str
    start: dt.datetime  # Europe/Berlin
    end: dt.datetime
    status: str
    sequence: int
    summary: str


def parse(ics: bytes) -> Calendar:
    return Calendar.from_ical(ics)


def vevents(ics: bytes) -> list:
    return list(parse(ics).walk("VEVENT"))


def occurrences(ics: bytes, start=dt.date(2020, 1, 1), end=dt.date(2035, 1, 1)) -> list[Occurrence]:
    """Every expanded instance (RRULE, EXDATE, RDATE, RECURRENCE-ID applied)."""
    found = recurring_ical_events.of(parse(ics)).between(start, end)
    return sorted(
        (
            Occurrence(
                uid=str(event["UID"]),
                start=event["DTSTART"].dt.astimezone(BERLIN),
                end=event["DTEND"].dt.astimezone(BERLIN),
                status=str(event.get("STATUS", "")),
                sequence=int(event.get("SEQUENCE", 0)),
                summary=str(event.get("SUMMARY", "")),
            )
            for event in found
        ),
        key=lambda o: (o.start, o.uid),
    )


def local_starts(ics: bytes, **kwargs) -> list[tuple[dt.date, dt.time]]:
    return [(o.start.date(), o.start.time()) for o in occurrences(ics, **kwargs)]


def content_lines(ics: bytes) -> list[str]:
    """Unfolded content lines, for checks on the exact text clients read."""
    return ics.decode("utf-8").replace("\r\n ", "").split("\r\n")
