"""The concrete dates of a weekly course schedule (pure functions, no database)."""

from collections.abc import Iterable
from datetime import date

from dateutil.rrule import WEEKLY, rrule


def session_dates(
    starts_on: date, ends_on: date, weekdays: Iterable[int], exception_dates: Iterable[date]
) -> list[date]:
    """Every date from ``starts_on`` to ``ends_on`` on the given weekdays (0=Monday),
    minus the exception dates (school holidays, public holidays)."""
    days = sorted(set(weekdays))
    if not days or ends_on < starts_on:
        return []
    skipped = set(exception_dates)
    rule = rrule(WEEKLY, byweekday=days, dtstart=starts_on, until=ends_on)
    return [moment.date() for moment in rule if moment.date() not in skipped]
