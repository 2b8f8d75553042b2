# ruff: noqa: RUF002  (Cyrillic examples)
"""How notifications are worded: the shape of a text and what every kind's
words share (a date with its weekday, times, a moment), and ``render``.

Each kind's own words live with the app that owns its data (``courses/
notifications.py``, ``coaching/notifications.py``, ``accounts/
notifications.py``), registered with ``registry.register_kind``: a subject
and a few short lines, filled from the payload the change wrote (a snapshot:
title, date, place), rendered in the recipient's language at delivery time.
The email templates (templates/notifications/email.*) and the inbox API
share these texts.

A line that points to the calendar file ("the dates are in the attached
calendar file") is only there when the file is: ``render(...,
calendar_attached=True)`` is passed by the email channel once it has the
invitation in hand; the inbox has no attachments and never says so.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import translation

from common import formatting

from . import registry


@dataclass(frozen=True)
class Text:
    subject: str
    lines: tuple[str, ...]


def with_weekday(day: date) -> str:
    """A date with its weekday as the reader's language writes it (CLDR, see
    ``common.formatting``)."""
    return formatting.weekday_date(day)


def day(iso: str | None) -> str:
    """An ISO date as the reader's language writes it, with the weekday."""
    if not iso:
        return ""
    return with_weekday(date.fromisoformat(iso))


def times(text: str | None) -> str:
    """``"18:00-20:00"`` (a payload's times) as the reader's language writes times."""
    if not text:
        return ""
    try:
        parts = [time.fromisoformat(part) for part in text.split("-")]
    except ValueError:
        return text
    if len(parts) != 2:
        return "\u2013".join(formatting.time24(part) for part in parts)
    return formatting.time_range(parts[0], parts[1])


def sentence(text: str) -> str:
    """A sentence ending in a date that ends in a period itself (Ukrainian "2026 р.",
    Russian "2026 г.") gets one period."""
    return text[:-1] if text.endswith("..") else text


def moment(iso: str | None) -> str:
    """An ISO moment as the reader's language writes it: weekday, date, time
    (in local time)."""
    if not iso:
        return ""
    return formatting.moment(datetime.fromisoformat(iso))


def only(condition: bool, *lines: str) -> tuple[str, ...]:
    """``lines`` if ``condition``, else none (for lines a text has only sometimes)."""
    return lines if condition else ()


def render(kind: str, payload: dict, language: str, *, calendar_attached: bool = False) -> Text:
    """The subject and lines of a notification in ``language``; the lines
    about a calendar file only with ``calendar_attached``. A kind nobody
    registers (any more) shows its name."""
    registered = registry.kind(kind)
    with translation.override(language):
        if registered is None:
            return Text(str(kind), ())
        return registered.text(payload, attached=calendar_attached)
