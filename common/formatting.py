# ruff: noqa: RUF002  (the examples are written in each language's own letters and dashes)
"""Dates, times and numbers as each language writes them: the one module
for every date, time, number and distance a person reads (pages, emails,
the inbox, SMS, printed sheets).

Built on CLDR through Babel, not on Django's format files: Django's formats
know neither the genitive month of Ukrainian and Russian ("8 грудня", not
"8 Грудень"), nor lower-case weekdays there, nor the order and separators of
Arabic and Persian ("الثلاثاء، 8 ديسمبر 2026"), nor CLDR's range patterns
("18:00–20:00 Uhr", "18:00 تا 20:00"). Machine-read values stay ISO and do
not come here: the API, the iCalendar feeds, CSV exports, ``<time
datetime>`` attributes and form input values.

Choices made once, here:

* **The language** is the active Django language unless one is passed, so a
  text rendered under ``translation.override(recipient_language)`` (emails,
  SMS) is written as the recipient reads it.
* **English is British English** (``en_GB``): English readers here live in
  Germany, and the US month-first numeric date ("12/8/26") would be read as
  the 12th of August; every other language we offer writes the day first.
* **A 24-hour clock in every language.** Timetables in Germany are 24-hour
  and the times people see on letters, posters and bus stops are too; a
  CLDR default of "6:00 PM" (en) or "6:00 م" (ar) next to the 18:00 on the
  school's door would be a second, confusing clock. We use CLDR's "Hm"
  skeleton, which each language still writes its own way.
* **Latin digits in every language**, Arabic and Persian included. Babel
  writes dates only in Latin digits, so numbers in native digits would mix
  two digit sets in one line ("8 دسامبر 2026" beside "۲۳٫۶"); the phone
  numbers, addresses, course numbers and room numbers on the same pages are
  Latin, and are what people type into phones and forms. The words, their
  order, the month names and the separators stay each language's (CLDR's
  symbols for Latin digits in that language).
* **The Gregorian calendar** for Persian too: course dates are set in
  Germany, and a Solar Hijri date would be a different day to check.
* **Local time**: aware datetimes are shown in ``settings.TIME_ZONE``
  (Europe/Berlin), where every course and meeting happens.
"""

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval, format_skeleton
from babel.numbers import format_decimal
from babel.units import format_unit
from django.conf import settings
from django.utils import timezone, translation

# Django's language codes and the CLDR locale each is written in.
BABEL_LOCALES = {
    "de": "de",
    "en": "en_GB",
    "ar": "ar",
    "fa": "fa",
    "ru": "ru",
    "tr": "tr",
    "uk": "uk",
}
# Every number is written in Latin digits (see the module docstring).
DIGITS = "latn"
# The 24-hour clock (see the module docstring).
CLOCK = "Hm"
# A short date: the day, the month as a number and the year in full.
SHORT_DATE = "yMd"
SHORT_WEEKDAY_DATE = "yMEd"

Number = int | float | Decimal


def babel_locale(language: str | None = None) -> Locale:
    """The CLDR locale of ``language`` (a Django code), else of the active one."""
    return _locale(_language(language))


def _language(language: str | None) -> str:
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    code = code.replace("_", "-").split("-")[0]
    return code if code in BABEL_LOCALES else settings.LANGUAGE_CODE


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    return Locale.parse(BABEL_LOCALES[language])


def _local(value: datetime) -> datetime:
    """An aware moment in the local zone; a naive one is taken as local already."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _day(value: date | datetime) -> date:
    """The local calendar day of a date or a moment."""
    return _local(value).date() if isinstance(value, datetime) else value


def _clock(value: time | datetime) -> time:
    return _local(value).time() if isinstance(value, datetime) else value


# --- Dates -----------------------------------------------------------------


def weekday_date(value: date | datetime, language: str | None = None) -> str:
    """The date with its weekday in full, as a letter writes it:
    "Dienstag, 8. Dezember 2026", "вівторок, 8 грудня 2026 р.",
    "8 Aralık 2026 Salı", "الثلاثاء، 8 ديسمبر 2026"."""
    return _weekday_date(_day(value), _language(language))


@lru_cache(maxsize=4096)
def _weekday_date(day: date, language: str) -> str:
    return format_date(day, "full", locale=_locale(language))


def long_date(value: date | datetime, language: str | None = None) -> str:
    """The date with the month as a word, no weekday: "8. Dezember 2026"."""
    return _long_date(_day(value), _language(language))


@lru_cache(maxsize=4096)
def _long_date(day: date, language: str) -> str:
    return format_date(day, "long", locale=_locale(language))


def short_date(value: date | datetime, language: str | None = None) -> str:
    """The date in figures with the full year, for tables and lists:
    "8.12.2026", "08/12/2026", "2026/12/8"."""
    return _skeleton(_day(value), SHORT_DATE, _language(language))


def short_weekday_date(value: date | datetime, language: str | None = None) -> str:
    """The short date with the short weekday: "Di., 8.12.2026", "вт, 08.12.2026"."""
    return _skeleton(_day(value), SHORT_WEEKDAY_DATE, _language(language))


def date_range(start: date, end: date, language: str | None = None) -> str:
    """Two days as the language writes a period, shared parts once:
    "8.–20. Dez. 2026", "8 تا 20 دسامبر 2026"."""
    return _interval(_day(start), _day(end), "yMMMd", _language(language))


def weekday_name(value: int | date, language: str | None = None, width: str = "wide") -> str:
    """The name of a weekday (0 = Monday, as ``date.weekday()``, or a date):
    "Dienstag", "вівторок"; ``width="abbreviated"`` for "Di.", "вт"."""
    number = value.weekday() if isinstance(value, date) else int(value)
    return str(_locale(_language(language)).days["format"][width][number])


# --- Times and moments -----------------------------------------------------


def time24(value: time | datetime, language: str | None = None) -> str:
    """A time on the 24-hour clock (a moment in local time): "18:00"."""
    return _skeleton(_clock(value), CLOCK, _language(language))


def time_range(start: time | datetime, end: time | datetime, language: str | None = None) -> str:
    """From one time to another as the language writes it: "18:00–20:00 Uhr",
    "18:00–20:00", "18:00 تا 20:00"."""
    return _interval(_clock(start), _clock(end), CLOCK, _language(language))


def moment(value: datetime, language: str | None = None) -> str:
    """A moment in local time, with the weekday, the date and the time:
    "Sonntag, 25. Oktober 2026, 09:35"."""
    return _moment(_local(value), _language(language), "full")


def short_moment(value: datetime, language: str | None = None) -> str:
    """A moment in local time, short, for tables: "25.10.2026, 09:35"."""
    return _moment(_local(value), _language(language), "short")


@lru_cache(maxsize=4096)
def _moment(value: datetime, language: str, length: str) -> str:
    locale = _locale(language)
    day = locale.date_formats["full"].pattern if length == "full" else _pattern(locale, SHORT_DATE)
    # CLDR's way of joining a date and a time ("{1}, {0}", "{1}، ساعت {0}").
    pattern = str(locale.datetime_formats[length]).replace("{1}", day)
    pattern = pattern.replace("{0}", _pattern(locale, CLOCK))
    return format_datetime(value.replace(tzinfo=None), pattern, locale=locale)


def _pattern(locale: Locale, skeleton: str) -> str:
    return str(locale.datetime_skeletons[skeleton].pattern)


@lru_cache(maxsize=4096)
def _skeleton(value: date | time, skeleton: str, language: str) -> str:
    return format_skeleton(skeleton, value, locale=_locale(language))


@lru_cache(maxsize=4096)
def _interval(start: date | time, end: date | time, skeleton: str, language: str) -> str:
    return format_interval(start, end, skeleton, locale=_locale(language))


# --- Numbers ---------------------------------------------------------------


def number(value: Number, decimals: int | None = None, language: str | None = None) -> str:
    """A number with the language's separators ("1.234,5", "1,234.5"), in
    Latin digits; ``decimals`` rounds to exactly that many places, a
    negative one to at most that many (as ``floatformat:"-1"``: "3", "3,5")."""
    places = None if decimals is None else abs(decimals)
    return format_decimal(
        _rounded(value, places),
        format=_number_format(places, optional=decimals is not None and decimals < 0),
        locale=babel_locale(language), numbering_system=DIGITS,
        decimal_quantization=decimals is not None,
    )  # fmt: skip


def km(value: Number, decimals: int = 1, language: str | None = None) -> str:
    """A distance in kilometres as the language abbreviates it: "23,6 km",
    "23.6 km", "23,6 км", "23.6 كم"; whole numbers lose their ".0"."""
    return format_unit(
        _rounded(value, decimals), "length-kilometer", "short", format=_number_format(decimals, optional=True),
        locale=babel_locale(language), numbering_system=DIGITS,
    )  # fmt: skip


def _rounded(value: Number, decimals: int | None) -> Number:
    """Halves rounded up, as people and Django's ``floatformat`` round
    (Babel would round 2.5 to the even 2)."""
    if decimals is None:
        return value
    exponent = Decimal(1).scaleb(-max(decimals, 0))
    return Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)


def _number_format(decimals: int | None, *, optional: bool = False) -> str | None:
    if decimals is None:
        return None
    if decimals <= 0:
        return "#,##0"
    return "#,##0." + ("#" if optional else "0") * decimals
