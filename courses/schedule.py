"""The concrete dates of a weekly course schedule (pure functions, no database).

``courses.services._planned_dates`` is the one place that decides a course's
dates; it reads the closures from the database and asks this module for the
rest: the weekly rule, Baden-Württemberg's public holidays, and which dates
of the rule are skipped for which reason.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import holidays
from dateutil.rrule import WEEKLY, rrule

from .constants import HOLIDAY_COUNTRY, HOLIDAY_SUBDIVISION, SkipReason

# Our language → the ``holidays`` package's name for it (it has de, en_US and
# uk for Germany). Other languages read the German name: it is the word on
# every school letter, poster and timetable around them.
HOLIDAY_LANGUAGES = {"de": "de", "en": "en_US", "uk": "uk"}
HOLIDAY_FALLBACK_LANGUAGE = "de"


@dataclass(frozen=True)
class Skip:
    """A date of the rule without a session: why (``SkipReason``), and the
    name to show — the holiday's German name, or the closure's as typed."""

    date: date
    reason: str
    name: str = ""
    closure_id: int | None = None


@dataclass(frozen=True)
class Plan:
    """The dates a course meets on, and the dates of its rule it skips."""

    dates: list[date] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


def rule_dates(starts_on: date, ends_on: date, weekdays: Iterable[int]) -> list[date]:
    """Every date from ``starts_on`` to ``ends_on`` on the given weekdays (0=Monday)."""
    days = sorted(set(weekdays))
    if not days or ends_on < starts_on:
        return []
    rule = rrule(WEEKLY, byweekday=days, dtstart=starts_on, until=ends_on)
    return [moment.date() for moment in rule]


def session_dates(
    starts_on: date, ends_on: date, weekdays: Iterable[int], exception_dates: Iterable[date]
) -> list[date]:
    """The rule's dates minus the exception dates."""
    skipped = set(exception_dates)
    return [day for day in rule_dates(starts_on, ends_on, weekdays) if day not in skipped]


def plan(
    starts_on: date,
    ends_on: date,
    weekdays: Iterable[int],
    reasons: Mapping[date, Skip],
    kept: Iterable[date] = (),
) -> Plan:
    """The rule's dates split into those with a session and those skipped for
    a reason (``reasons`` maps a date to why it is skipped); ``kept`` dates
    have a session whatever their reason."""
    keep = set(kept)
    dates: list[date] = []
    skipped: list[Skip] = []
    for day in rule_dates(starts_on, ends_on, weekdays):
        reason = reasons.get(day)
        if reason is None or day in keep:
            dates.append(day)
        else:
            skipped.append(reason)
    return Plan(dates=dates, skipped=skipped)


@lru_cache(maxsize=64)
def _holidays_of(year: int, language: str) -> Mapping[date, str]:
    calendar = holidays.country_holidays(
        HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIVISION, years=year, language=language
    )
    return dict(calendar.items())


def public_holidays(first: date, last: date, language: str = "de") -> dict[date, str]:
    """Baden-Württemberg's public holidays from ``first`` to ``last``, by name
    (in German unless another of ``HOLIDAY_LANGUAGES`` is asked for)."""
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        for day, name in _holidays_of(year, language).items():
            if first <= day <= last:
                found[day] = name
    return dict(sorted(found.items()))


def holiday_skips(first: date, last: date) -> dict[date, Skip]:
    return {
        day: Skip(date=day, reason=SkipReason.HOLIDAY, name=name)
        for day, name in public_holidays(first, last, "de").items()
    }


def holiday_name(day: date, language: str | None, fallback: str = "") -> str:
    """The public holiday's name on ``day`` in the reader's language (see
    ``HOLIDAY_LANGUAGES``), else ``fallback`` (the name stored at generation)."""
    code = (language or "").split("-")[0].lower()
    package_language = HOLIDAY_LANGUAGES.get(code, HOLIDAY_FALLBACK_LANGUAGE)
    return _holidays_of(day.year, package_language).get(day, fallback)
