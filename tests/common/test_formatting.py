# ruff: noqa: RUF001, RUF002  (expected texts in each language's own letters and dashes)
"""``common.formatting``: dates, times and numbers as each language writes
them (CLDR through Babel), checked against what CLDR says for every language
we offer, and on the pages people read.

The expected texts are written out: printed from Babel, then checked by eye
(genitive months and lower-case weekdays in Ukrainian and Russian, the
Arabic comma "،", Persian "تا" between two times). Invisible characters
are spelt as escapes: CLDR puts a narrow no-break space (U+202F) before
"р." and "г.", right-to-left marks (U+200F) in Arabic numeric dates and a
zero-width non-joiner (U+200C) inside "سه‌شنبه".
"""

import datetime as dt

import pytest
import time_machine
from django.template import Context, Template
from django.utils import translation

from common import formatting
from tests.factories import CourseFactory

LANGUAGES = ("de", "en", "uk", "ru", "tr", "ar", "fa")
TUESDAY = dt.date(2026, 12, 8)
BERLIN_UTC = dt.UTC


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Dienstag, 8. Dezember 2026"),
        ("en", "Tuesday, 8 December 2026"),
        ("uk", "вівторок, 8 грудня 2026\u202fр."),
        ("ru", "вторник, 8 декабря 2026\u202fг."),
        ("tr", "8 Aralık 2026 Salı"),
        ("ar", "الثلاثاء، 8 ديسمبر 2026"),
        ("fa", "سه\u200cشنبه 8 دسامبر 2026"),
    ],
)
def test_a_weekday_date_is_written_as_each_language_writes_it(language, expected):
    assert formatting.weekday_date(TUESDAY, language) == expected
    with translation.override(language):  # the active language when none is passed
        assert formatting.weekday_date(TUESDAY) == expected


@pytest.mark.parametrize(
    ("language", "long", "short", "short_with_weekday"),
    [
        ("de", "8. Dezember 2026", "8.12.2026", "Di., 8.12.2026"),
        ("en", "8 December 2026", "08/12/2026", "Tue, 08/12/2026"),
        ("uk", "8 грудня 2026\u202fр.", "08.12.2026", "вт, 08.12.2026"),
        ("ru", "8 декабря 2026\u202fг.", "08.12.2026", "вт, 08.12.2026"),
        ("tr", "8 Aralık 2026", "8.12.2026", "8.12.2026 Sal"),
        ("ar", "8 ديسمبر 2026", "8\u200f/12\u200f/2026", "الثلاثاء، 8\u200f/12\u200f/2026"),
        ("fa", "8 دسامبر 2026", "2026/12/8", "سه\u200cشنبه 2026/12/8"),
    ],
)
def test_long_and_short_dates_follow_the_language(language, long, short, short_with_weekday):
    assert formatting.long_date(TUESDAY, language) == long
    assert formatting.short_date(TUESDAY, language) == short
    assert formatting.short_weekday_date(TUESDAY, language) == short_with_weekday


def test_english_writes_the_day_before_the_month_as_everyone_here_reads_it():
    assert formatting.short_date(dt.date(2026, 3, 2), "en") == "02/03/2026"
    assert formatting.weekday_date(dt.date(2026, 3, 2), "en") == "Monday, 2 March 2026"


@pytest.mark.parametrize(
    ("language", "monday", "wednesday", "tuesday_short"),
    [
        ("de", "Montag", "Mittwoch", "Di."),
        ("uk", "понеділок", "середа", "вт"),
        ("ru", "понедельник", "среда", "вт"),
        ("tr", "Pazartesi", "Çarşamba", "Sal"),
        ("ar", "الاثنين", "الأربعاء", "الثلاثاء"),
    ],
)
def test_weekday_names_by_number_or_date(language, monday, wednesday, tuesday_short):
    assert formatting.weekday_name(0, language) == monday
    assert formatting.weekday_name(2, language) == wednesday
    assert formatting.weekday_name(TUESDAY, language, width="abbreviated") == tuesday_short


@pytest.mark.parametrize(
    ("language", "morning", "evening"),
    [
        ("de", "09:05", "18:05"),
        ("en", "09:05", "18:05"),  # not CLDR's default "6:05 pm"
        ("uk", "09:05", "18:05"),
        ("ru", "09:05", "18:05"),
        ("tr", "09:05", "18:05"),
        ("ar", "09:05", "18:05"),  # not CLDR's default "6:05 م"
        ("fa", "9:05", "18:05"),
    ],
)
def test_times_are_on_the_24_hour_clock_in_every_language(language, morning, evening):
    assert formatting.time24(dt.time(9, 5), language) == morning
    assert formatting.time24(dt.time(18, 5), language) == evening


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "18:00–20:00 Uhr"),
        ("en", "18:00–20:00"),
        ("uk", "18:00–20:00"),
        ("ru", "18:00—20:00"),
        ("tr", "18:00–20:00"),
        ("ar", "18:00–20:00"),
        ("fa", "18:00 تا 20:00"),
    ],
)
def test_a_time_range_is_written_with_the_language_s_own_separator(language, expected):
    assert formatting.time_range(dt.time(18), dt.time(20), language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "7. Dez. 2026\u2009–\u200915. Feb. 2027"),
        ("uk", "7 груд. 2026\xa0— 15 лют. 2027\u202fрр."),
        ("fa", "7 دسامبر 2026 تا 15 فوریه 2027"),
    ],
)
def test_a_date_range_is_written_as_the_language_writes_a_period(language, expected):
    assert formatting.date_range(dt.date(2026, 12, 7), dt.date(2027, 2, 15), language) == expected


@pytest.mark.parametrize(
    ("language", "summer", "winter"),
    [
        ("de", "Samstag, 24. Oktober 2026, 18:00", "Sonntag, 25. Oktober 2026, 18:00"),
        ("en", "Saturday, 24 October 2026, 18:00", "Sunday, 25 October 2026, 18:00"),
        ("uk", "субота, 24 жовтня 2026\u202fр., 18:00", "неділя, 25 жовтня 2026\u202fр., 18:00"),
        (
            "ru",
            "суббота, 24 октября 2026\u202fг., 18:00",
            "воскресенье, 25 октября 2026\u202fг., 18:00",
        ),
        ("tr", "24 Ekim 2026 Cumartesi 18:00", "25 Ekim 2026 Pazar 18:00"),
        ("ar", "السبت، 24 أكتوبر 2026، 18:00", "الأحد، 25 أكتوبر 2026، 18:00"),
        ("fa", "شنبه 24 اکتبر 2026، ساعت 18:00", "یکشنبه 25 اکتبر 2026، ساعت 18:00"),
    ],
)
def test_a_moment_is_written_in_berlin_time_on_both_sides_of_the_clock_change(
    language, summer, winter
):
    # 16:00 UTC is 18:00 in summer time (CEST), 17:00 UTC is 18:00 in winter time (CET).
    before = dt.datetime(2026, 10, 24, 16, 0, tzinfo=BERLIN_UTC)
    after = dt.datetime(2026, 10, 25, 17, 0, tzinfo=BERLIN_UTC)
    assert formatting.moment(before, language) == summer
    assert formatting.moment(after, language) == winter


def test_a_short_moment_skips_the_lost_hour_of_the_spring_clock_change():
    last_winter_minute = dt.datetime(2026, 3, 29, 0, 59, tzinfo=BERLIN_UTC)
    first_summer_minute = dt.datetime(2026, 3, 29, 1, 0, tzinfo=BERLIN_UTC)
    assert formatting.short_moment(last_winter_minute, "de") == "29.3.2026, 01:59"
    assert formatting.short_moment(first_summer_minute, "de") == "29.3.2026, 03:00"
    assert formatting.short_moment(first_summer_minute, "ar") == "29\u200f/3\u200f/2026، 03:00"


def test_a_moment_s_day_is_the_local_day():
    # 23:30 UTC on 7 December is already 8 December in Berlin.
    late = dt.datetime(2026, 12, 7, 23, 30, tzinfo=BERLIN_UTC)
    assert formatting.short_date(late, "de") == "8.12.2026"
    assert formatting.time24(late, "de") == "00:30"


@pytest.mark.parametrize(
    ("language", "distance", "big"),
    [
        ("de", "23,6 km", "1.234.567,5"),
        ("en", "23.6 km", "1,234,567.5"),
        ("uk", "23,6 км", "1\xa0234\xa0567,5"),
        ("ru", "23,6 км", "1\xa0234\xa0567,5"),
        ("tr", "23,6 km", "1.234.567,5"),
        ("ar", "23.6 كم", "1,234,567.5"),  # Latin digits, as the dates (see the module)
        ("fa", "23.6 کیلومتر", "1,234,567.5"),
    ],
)
def test_numbers_and_distances_use_the_language_s_separators_in_latin_digits(
    language, distance, big
):
    assert formatting.km(23.6, language=language) == distance
    assert formatting.number(1234567.5, 1, language) == big


def test_number_rounds_halves_up_and_drops_optional_decimals():
    assert formatting.number(2.5, 0, "de") == "3"
    assert formatting.number(3.0, -1, "de") == "3"
    assert formatting.number(3.25, -1, "de") == "3,3"
    assert formatting.number(3.0, 1, "de") == "3,0"
    assert formatting.km(23, language="de") == "23 km"


def test_an_unknown_language_falls_back_to_the_site_language():
    assert formatting.weekday_date(TUESDAY, "xx") == "Dienstag, 8. Dezember 2026"
    assert formatting.weekday_date(TUESDAY, "en-gb") == "Tuesday, 8 December 2026"


def test_the_template_filters_write_what_the_module_writes_and_nothing_for_nothing():
    template = Template(
        "{% load formatting %}{{ day|weekday_date }}|{{ start|time_range:end }}|"
        "{{ at|moment }}|{{ distance|km }}|{{ share|number:1 }}|{{ missing|long_date }}|"
        "{{ day|weekday:'abbreviated' }}"
    )
    context = Context(
        {
            "day": TUESDAY,
            "start": dt.time(18),
            "end": dt.time(20),
            "at": dt.datetime(2026, 12, 8, 17, 0, tzinfo=BERLIN_UTC),
            "distance": 23.64,
            "share": 0.5,
            "missing": None,
        }
    )
    with translation.override("uk"):
        rendered = template.render(context)
    assert rendered == (
        "вівторок, 8 грудня 2026\u202fр.|18:00–20:00|"
        "вівторок, 8 грудня 2026\u202fр., 18:00|23,6 км|0,5||вт"
    )


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 2, 10, 0, tzinfo=BERLIN_UTC), tick=False)
@pytest.mark.parametrize(
    ("language", "expected", "not_expected"),
    [
        ("uk", ["понеділок, середа, 18:00–20:00", "7 грудня 2026\u202fр."], ["Понеділок"]),
        ("ar", ["18:00–20:00", "7 ديسمبر 2026", "الاثنين، 7\u200f/12\u200f/2026"], [" م<", "PM"]),
        ("de", ["Montag, Mittwoch, 18:00–20:00 Uhr", "7. Dezember 2026"], ["7 Dezember"]),
    ],
)
def test_the_course_page_shows_dates_and_times_as_the_reader_s_language_writes_them(
    client, language, expected, not_expected
):
    course = CourseFactory(
        starts_on=dt.date(2026, 12, 7),  # a Monday
        ends_on=dt.date(2027, 2, 15),
        start_time=dt.time(18, 0),
        end_time=dt.time(20, 0),
    )
    client.cookies["django_language"] = language
    page = client.get(f"/courses/{course.pk}/").content.decode()
    for text in expected:
        assert text in page
    for text in not_expected:
        assert text not in page


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 2, 10, 0, tzinfo=BERLIN_UTC), tick=False)
def test_my_bookings_show_the_period_with_weekdays(client, learner):
    from courses import services

    course = CourseFactory(starts_on=dt.date(2026, 12, 7), ends_on=dt.date(2027, 2, 15))
    services.book_course(course=course, learner=learner, children_ages=[])
    learner.preferred_language = "de"  # the pages follow the user's language
    learner.save(update_fields=["preferred_language"])
    client.force_login(learner)
    page = client.get("/bookings/").content.decode()
    assert "Montag, 7. Dezember 2026" in page
    assert "Montag, 15. Februar 2027" in page
