"""Calendar clients nobody here wrote, reading what Kurslotse sends.

- Mozilla's ical.js (the parser inside Thunderbird), run with Debian's node
  over ``js/expand.mjs``: it reads the file's own VTIMEZONE, expands every
  series and prints each occurrence in Europe/Berlin local time. Installed by
  ``make setup`` (``npm ci`` in tests/calendars/js, the exact version in
  package-lock.json).
- Python's recurring-ical-events (``helpers.occurrences``).

Both give occurrences in one shape, ``Seen``, to compare with the plan in the
database (``planned``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path

import pytest

from coaching.constants import MeetingStatus
from courses.constants import CourseStatus, SessionStatus

from ..conftest import REQUIRE_SERVICES
from .helpers import BERLIN, occurrences, parse

JS_DIR = Path(__file__).resolve().parent / "js"
SCRIPT = JS_DIR / "expand.mjs"
NODE = os.environ.get("KURSLOTSE_NODE", "node")
INSTALL = (
    "`sudo apt-get install -y nodejs npm`, then `make setup` "
    "(or `cd tests/calendars/js && npm ci --no-audit --no-fund`)"
)


@dataclass(frozen=True, order=True)
class Seen:
    """One occurrence as a calendar shows it: local Berlin time to the minute."""

    start: str  # "YYYY-MM-DDTHH:MM"
    end: str
    uid: str
    status: str


@dataclass(frozen=True)
class Reading:
    """What a client read from one file."""

    method: str | None
    timezones: list[str]
    seen: list[Seen]
    sequences: set[int]


def _minute(moment: dt.datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def icaljs_available() -> str | None:
    """Why ical.js cannot run here, or None."""
    if shutil.which(NODE) is None:
        return f"needs Debian's node: {INSTALL}"
    if not (JS_DIR / "node_modules" / "ical.js" / "package.json").exists():
        return f"needs the npm package ical.js: {INSTALL}"
    return None


def _reading(data: dict) -> Reading:
    found = data["occurrences"]
    return Reading(
        method=data["method"],
        timezones=data["timezones"],
        seen=sorted(Seen(o["start"], o["end"], o["uid"], o["status"]) for o in found),
        sequences={int(o["sequence"]) for o in found},
    )


def _node(arguments: list[str], stdin: bytes) -> object:
    done = subprocess.run(
        [NODE, str(SCRIPT), *arguments], input=stdin, capture_output=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


class IcalJs:
    """Mozilla's ical.js over one calendar, or over many in one node process."""

    def __call__(self, ics: bytes) -> Reading:
        data = _node([], ics)
        assert isinstance(data, dict)
        return _reading(data)

    def many(self, calendars: list[bytes]) -> list[Reading]:
        data = _node(["--many"], json.dumps([ics.decode("utf-8") for ics in calendars]).encode())
        assert isinstance(data, list)
        return [_reading(item) for item in data]


@pytest.fixture(scope="session")
def icaljs() -> IcalJs:
    """``icaljs(ics) -> Reading``; skips without node and ical.js, but fails
    with KURSLOTSE_REQUIRE_SERVICES=1 (CI)."""
    missing = icaljs_available()
    if missing:
        if REQUIRE_SERVICES:
            pytest.fail(missing + "; KURSLOTSE_REQUIRE_SERVICES=1 forbids skipping it")
        pytest.skip(missing)
    return IcalJs()


def python_client(ics: bytes) -> Reading:
    """The same, as icalendar + recurring-ical-events read it."""
    calendar = parse(ics)
    found = occurrences(ics)
    return Reading(
        method=str(calendar["METHOD"]) if "METHOD" in calendar else None,
        timezones=[str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")],
        seen=sorted(Seen(_minute(o.start), _minute(o.end), o.uid, o.status) for o in found),
        sequences={o.sequence for o in found},
    )


def planned(course, uid: str) -> list[Seen]:
    """What the database says a participant's calendar must show: every
    session that takes place, at its (possibly moved) date and time; for a
    cancelled course every date, marked cancelled."""
    cancelled_course = course.status == CourseStatus.CANCELLED
    seen = []
    for session in course.sessions.order_by("date"):
        if session.status == SessionStatus.CANCELLED and not cancelled_course:
            continue
        start = dt.datetime.combine(session.date, session.start_time, tzinfo=BERLIN)
        end = dt.datetime.combine(session.date, session.end_time, tzinfo=BERLIN)
        status = "CANCELLED" if cancelled_course else "CONFIRMED"
        seen.append(Seen(_minute(start), _minute(end), uid, status))
    return sorted(seen)


def planned_meeting(meeting, uid: str) -> Seen:
    status = "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED"
    return Seen(_minute(meeting.starts_at), _minute(meeting.ends_at), uid, status)


def calendar_part(message) -> tuple[str, bytes]:
    """The ``text/calendar`` alternative of a sent Django email: (method, bytes)."""
    parsed = message_from_bytes(message.message().as_bytes())
    part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    return part.get_param("method"), part.get_payload(decode=True)
