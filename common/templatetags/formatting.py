# ruff: noqa: RUF002  (the examples are written in each language's own letters and dashes)
"""``{% load formatting %}``: the filters templates write dates, times and
numbers with, each a thin door to ``common.formatting`` (where the choices
are explained), in the active language.

    {{ session.date|weekday_date }}             Dienstag, 8. Dezember 2026
    {{ course.starts_on|long_date }}            8. Dezember 2026
    {{ course.starts_on|short_date }}           8.12.2026
    {{ session.date|short_weekday_date }}       Di., 8.12.2026
    {{ course.starts_on|date_range:course.ends_on }}
    {{ session.date|weekday }}                  Dienstag  (|weekday:"abbreviated": Di.)
    {{ course.start_time|time24 }}              18:00
    {{ course.start_time|time_range:course.end_time }}   18:00–20:00 Uhr
    {{ notification.created_at|moment }}        Dienstag, 8. Dezember 2026, 18:00
    {{ run.created_at|short_moment }}           8.12.2026, 18:00
    {{ value|number }} {{ value|number:1 }}     1.234,5
    {{ distance|km }}                           23,6 km

An empty value (None, "") gives an empty text, as Django's ``date`` filter
does, so an optional date needs no ``{% if %}`` of its own. Machine-read
values (``<time datetime>``, form values) keep ``|date:"c"`` and friends.
"""

from collections.abc import Callable
from functools import wraps

from django import template

from common import formatting

register = template.Library()


def _unless_empty(write: Callable) -> Callable:
    @wraps(write)
    def written(value, *args):
        if value is None or value == "":
            return ""
        if any(arg is None or arg == "" for arg in args):
            return ""
        return write(value, *args)

    return written


@register.filter
@_unless_empty
def weekday_date(value):
    return formatting.weekday_date(value)


@register.filter
@_unless_empty
def long_date(value):
    return formatting.long_date(value)


@register.filter
@_unless_empty
def short_date(value):
    return formatting.short_date(value)


@register.filter
@_unless_empty
def short_weekday_date(value):
    return formatting.short_weekday_date(value)


@register.filter
@_unless_empty
def date_range(value, end):
    return formatting.date_range(value, end)


@register.filter
@_unless_empty
def weekday(value, width="wide"):
    return formatting.weekday_name(value, width=width)


@register.filter
@_unless_empty
def time24(value):
    return formatting.time24(value)


@register.filter
@_unless_empty
def time_range(value, end):
    return formatting.time_range(value, end)


@register.filter
@_unless_empty
def moment(value):
    return formatting.moment(value)


@register.filter
@_unless_empty
def short_moment(value):
    return formatting.short_moment(value)


@register.filter
def number(value, decimals=None):
    if value is None or value == "":
        return ""
    return formatting.number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def km(value, decimals=1):
    if value is None or value == "":
        return ""
    return formatting.km(value, int(decimals))
