"""Course and venue texts in the learners' languages (issue 13): German is the
source, a missing translation falls back to German field by field, pages mark
German text on other pages with its language and direction, venues have a
directions link."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from common.translated import missing_languages, text
from courses import selectors, services
from courses.models import Course
from places.directions import directions_url
from places.models import Venue
from tests.courses.test_catalogue import contract_payload
from tests.factories import CourseFactory, UserFactory, VenueFactory, municipality

pytestmark = pytest.mark.django_db


def arabic_titled(**overrides):
    """A course with an Arabic title, no Arabic description or what to bring."""
    fields = {
        "title": "Deutsch A1 am Vormittag",
        "description": "Für Anfänger ohne Vorkenntnisse.",
        "what_to_bring": "Heft und Stift.",
        "translations": {"ar": {"title": "الألمانية A1 صباحًا"}},
        **overrides,
    }
    return CourseFactory(**fields)


# --- Storage: German is the source ----------------------------------------------------


def test_the_plain_column_stays_german_when_a_course_is_saved_in_another_language():
    course = arabic_titled()
    with translation.override("ar"):
        course.refresh_from_db()
        assert course.title == "الألمانية A1 صباحًا"  # shown in the active language
        course.save()
    row = Course.objects.filter(pk=course.pk).values_list("title", "title_de", "title_ar").get()
    assert row == ("Deutsch A1 am Vormittag", "Deutsch A1 am Vormittag", "الألمانية A1 صباحًا")


def test_queries_on_the_plain_names_read_german_in_every_language():
    course = arabic_titled()
    for language in ("de", "ar", "en"):
        with translation.override(language):
            assert list(
                Course.objects.filter(title="Deutsch A1 am Vormittag").values_list("pk", flat=True)
            ) == [course.pk]
            order = str(Course.objects.order_by("title").query).split("ORDER BY")[1]
            assert "title_" not in order


def test_a_venue_made_while_another_language_is_active_is_german():
    with translation.override("ar"):
        venue = VenueFactory(accessibility_notes="Stufenloser Zugang")
    venue.refresh_from_db()
    assert (venue.accessibility_notes_de, venue.accessibility_notes_ar) == (
        "Stufenloser Zugang",
        None,
    )


def test_a_coordinator_reading_english_edits_the_german_source(coordinator):
    course = arabic_titled()
    with translation.override("en"):
        services.update_course(course=course, by=coordinator, title="Deutsch A1 am Morgen")
    course.refresh_from_db()
    assert (course.title_de, course.title_ar) == ("Deutsch A1 am Morgen", "الألمانية A1 صباحًا")
    assert not course.title_en


def test_missing_languages_are_those_without_every_german_text():
    course = arabic_titled(translations={})
    assert missing_languages(course) == ["en", "ar", "uk", "tr", "fa", "ru"]
    services.update_course(
        course=course,
        translations={"en": {"title": "German A1", "description": "For beginners.",
                             "what_to_bring": "Notebook and pen."}},
    )  # fmt: skip
    course.refresh_from_db()
    assert "en" not in missing_languages(course)
    assert "ar" in missing_languages(course)


# --- API: reading in the caller's language -----------------------------------------


def test_an_arabic_caller_gets_the_arabic_title_and_the_german_description(as_user):
    course = arabic_titled()
    reader = UserFactory(preferred_language="ar")
    data = as_user(reader).get(f"/api/v1/courses/{course.pk}/").json()
    assert data["title"] == "الألمانية A1 صباحًا"
    assert data["description"] == "Für Anfänger ohne Vorkenntnisse."
    assert data["what_to_bring"] == "Heft und Stift."
    assert data["text_language"] == {"title": "ar", "description": "de", "what_to_bring": "de"}


def test_accept_language_is_used_without_a_profile_and_the_profile_wins_over_it(as_user):
    course = CourseFactory(translations={
        "ar": {"title": "الألمانية A1"}, "uk": {"title": "Німецька A1"},
    })  # fmt: skip
    anonymous = as_user(None).get(f"/api/v1/courses/{course.pk}/", HTTP_ACCEPT_LANGUAGE="uk")
    assert (anonymous.json()["title"], anonymous.json()["text_language"]["title"]) == (
        "Німецька A1", "uk",
    )  # fmt: skip
    arabic = UserFactory(preferred_language="ar")
    answer = as_user(arabic).get(f"/api/v1/courses/{course.pk}/", HTTP_ACCEPT_LANGUAGE="uk")
    assert answer.json()["text_language"]["title"] == "ar"
    assert answer.json()["title"] == "الألمانية A1"


def test_the_catalogue_answers_per_caller_and_a_language_adds_no_query(as_user):
    venue = VenueFactory(getting_there="Bus 631 bis Schulzentrum.")
    venue.getting_there_ar = "الحافلة 631"
    venue.save()
    for number in range(3):
        arabic_titled(venue=venue, title=f"Deutsch A1 Gruppe {number}")

    def catalogue(language):
        with CaptureQueriesContext(connection) as queries:
            response = as_user(None).get("/api/v1/courses/", HTTP_ACCEPT_LANGUAGE=language)
        return response.json()["results"], len(queries)

    german, german_queries = catalogue("de")
    arabic, arabic_queries = catalogue("ar")
    assert arabic_queries == german_queries
    assert {c["text_language"]["title"] for c in german} == {"de"}
    assert {c["text_language"]["title"] for c in arabic} == {"ar"}
    assert [c["id"] for c in arabic] == [c["id"] for c in german]  # one order for everyone
    detail = arabic[0]["venue_detail"]
    assert detail["getting_there"] == "الحافلة 631"
    assert detail["accessibility_notes"] == "Stufenloser Zugang"
    assert detail["text_language"] == {"accessibility_notes": "de", "getting_there": "ar"}
    assert detail["directions_url"] == directions_url(venue)


# --- API: writing translations --------------------------------------------------------


def test_a_coordinator_creates_a_course_with_translations(as_user, coordinator):
    payload = contract_payload(translations={
        "ar": {"title": "الألمانية A2", "description": "للمبتدئين", "what_to_bring": "دفتر"},
        "uk": {"title": "Німецька A2"},
    })  # fmt: skip
    response = as_user(coordinator).post("/api/v1/courses/", payload, format="json")
    assert response.status_code == 201, response.json()
    course = Course.objects.get(pk=response.json()["id"])
    assert (course.title_de, course.title_ar, course.description_ar, course.title_uk) == (
        "Deutsch A2 mit Kinderbetreuung", "الألمانية A2", "للمبتدئين", "Німецька A2",
    )  # fmt: skip
    assert "translations" not in response.json()


def test_a_coordinator_changes_and_removes_translations(as_user, coordinator):
    course = arabic_titled()
    response = as_user(coordinator).patch(
        f"/api/v1/courses/{course.pk}/",
        {"translations": {"ar": {"title": "", "what_to_bring": "دفتر وقلم"}}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    course.refresh_from_db()
    assert (course.title_ar, course.what_to_bring_ar) == ("", "دفتر وقلم")
    change = selectors.course_changes(course).first()
    assert {item["field"] for item in change.changes} == {"title_ar", "what_to_bring_ar"}


@pytest.mark.parametrize(
    "translations, where",
    [
        ({"xx": {"title": "?"}}, "translations.xx"),
        ({"fr": {"title": "Allemand"}}, "translations.fr"),  # a language the site has not
        ({"ar": {"subtitle": "?"}}, "translations.ar.subtitle"),
        ({"ar": {"title": 5}}, "translations.ar.title"),
        ({"de": {"title": "Deutsch"}}, "translations.de"),
        ({"ar": "الألمانية"}, "translations.ar"),
        ({"ar": {"title": "eine\nZeile zu viel"}}, "title_ar"),  # the model's own rules
        ({"uk": {"title": "x" * 201}}, "title_uk"),
    ],
)
def test_unknown_languages_and_fields_are_refused_and_change_nothing(
    as_user, coordinator, translations, where
):
    course = arabic_titled()
    before = Course.objects.filter(pk=course.pk).values().get()
    response = as_user(coordinator).patch(
        f"/api/v1/courses/{course.pk}/",
        {"title": "Neuer Titel", "translations": translations},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert where in error["fields"]
    assert isinstance(error["fields"][where], str) and error["fields"][where]
    assert Course.objects.filter(pk=course.pk).values().get() == before


def test_the_refusal_is_in_the_callers_language(as_user, coordinator):
    course = arabic_titled()
    response = as_user(coordinator).patch(
        f"/api/v1/courses/{course.pk}/",
        {"translations": {"ar": {"subtitle": "?"}}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.json()["error"]["fields"]["translations.ar.subtitle"] == (
        "Unbekanntes Feld subtitle; übersetzbare Felder: title, description, what_to_bring."
    )


def test_creating_with_an_unknown_language_creates_nothing(as_user, coordinator):
    count = Course.objects.count()
    payload = contract_payload(translations={"xx": {"title": "?"}})
    response = as_user(coordinator).post("/api/v1/courses/", payload, format="json")
    assert response.status_code == 400
    assert "translations.xx" in response.json()["error"]["fields"]
    assert Course.objects.count() == count


# --- Pages -----------------------------------------------------------------------------


def _arabic_page(client, path):
    client.cookies["django_language"] = "ar"
    return client.get(path).content.decode()


def test_the_arabic_course_page_marks_german_text_as_german_left_to_right(client):
    venue = VenueFactory(
        street="Schulstraße 4",
        getting_there="Bus 631 bis „Schulzentrum“.",
        latitude=Decimal("49.238100"),
        longitude=Decimal("9.101200"),
    )
    course = arabic_titled(venue=venue)
    page = _arabic_page(client, f"/courses/{course.pk}/")
    assert '<html lang="ar" dir="rtl"' in page or 'dir="rtl"' in page.split("<body")[0]
    assert "<h1>الألمانية A1 صباحًا <span" in page  # in the page's language: not marked
    assert '<span lang="de" dir="ltr">Für Anfänger ohne Vorkenntnisse.</span>' in page
    assert '<dd id="what-to-bring"><span lang="de" dir="ltr">Heft und Stift.</span></dd>' in page
    assert '<span lang="de" dir="ltr">Stufenloser Zugang</span>' in page
    assert '<span lang="de" dir="ltr">Schulstraße 4</span>' in page
    assert '<span lang="de" dir="ltr">Bus 631 bis „Schulzentrum“.</span>' in page


def test_the_german_course_page_marks_nothing(client):
    course = arabic_titled(venue=VenueFactory())
    client.cookies["django_language"] = "de"
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert "<h1>Deutsch A1 am Vormittag <span" in page
    assert '<span lang="de"' not in page


def test_the_directions_link_points_at_the_venue_and_nothing_loads_from_elsewhere(client):
    venue = VenueFactory(latitude=Decimal("49.2381"), longitude=Decimal("9.1012"))
    course = arabic_titled(venue=venue)
    response = client.get(f"/courses/{course.pk}/")
    page = response.content.decode()
    link = re.search(r'<a href="([^"]+)" rel="noopener noreferrer" id="directions">', page)
    assert link is not None
    assert link.group(1).replace("&amp;", "&") == (
        "https://www.openstreetmap.org/directions?to=49.23810,9.10120#map=17/49.23810/9.10120"
    )
    # Only links go elsewhere: no script, style, image or frame from another host.
    loads = re.findall(r'<(?:script|img|iframe|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert loads and all(not url.startswith(("http:", "https:", "//")) for url in loads)
    assert "openstreetmap" not in response.headers.get("Content-Security-Policy", "")


def test_a_venue_without_coordinates_points_at_its_municipality():
    town = municipality("Eppingen")
    venue = VenueFactory(municipality=town)
    url = directions_url(venue)
    assert f"to={Decimal(str(town.latitude)):.5f},{Decimal(str(town.longitude)):.5f}" in url
    assert directions_url(None) == ""


def test_latitude_without_longitude_is_refused():
    venue = Venue(name="X", street="Y 1", postal_code="74906", municipality=municipality(),
                  latitude=Decimal("49.1"))  # fmt: skip
    with pytest.raises(Exception) as refused:
        venue.full_clean()
    assert "longitude" in refused.value.message_dict


def test_my_bookings_shows_the_translated_title_the_directions_and_getting_there(client):
    learner = UserFactory(roles=["learner"], preferred_language="ar")
    venue = VenueFactory(
        getting_there="Bus 631.", latitude=Decimal("49.2"), longitude=Decimal("9.1")
    )
    course = arabic_titled(venue=venue)
    services.book_course(course=course, learner=learner, children_ages=[])
    client.force_login(learner)
    page = _arabic_page(client, "/bookings/")
    assert "الألمانية A1 صباحًا</a>" in page
    assert directions_url(venue).replace("&", "&amp;") in page or directions_url(venue) in page
    assert '<span lang="de" dir="ltr">Bus 631.</span>' in page


def test_the_search_card_marks_a_german_title_on_an_arabic_page(client):
    CourseFactory(title="Deutsch B1 am Abend")
    page = _arabic_page(client, "/courses/")
    assert '<span lang="de" dir="ltr">Deutsch B1 am Abend</span></a></h2>' in page


# --- The edit page ------------------------------------------------------------------


def test_the_edit_page_marks_missing_languages_and_saves_translations(client, coordinator):
    course = arabic_titled(translations={"ar": {
        "title": "الألمانية A1", "description": "للمبتدئين", "what_to_bring": "دفتر",
    }})  # fmt: skip
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    page = client.get(f"/manage/courses/{course.pk}/edit/").content.decode()
    missing = re.search(r'<p class="message message--warning" id="missing-languages">(.*?)</p>',
                        page, re.S).group(1)  # fmt: skip
    for code in ("en", "uk", "tr", "fa", "ru"):
        assert f"({code})" in missing
    assert "(ar)" not in missing
    arabic = page.split('<details id="translation-ar"')[1].split("</details>")[0]
    assert 'data-missing="false"' in arabic
    assert 'lang="ar" dir="rtl"' in arabic
    assert (
        'data-missing="true"'
        in page.split('<details id="translation-uk"')[1].split("</summary>")[0]
    )
    # The German source is shown as German, though the page is English.
    assert 'value="Deutsch A1 am Vormittag"' in page

    form = {
        "title": "Deutsch A1 am Vormittag",
        "description": "Für Anfänger ohne Vorkenntnisse.",
        "what_to_bring": "Heft und Stift.",
        "seats": course.seats,
        "childcare_places": course.childcare_places,
        "childcare_min_age": course.childcare_min_age,
        "childcare_max_age": course.childcare_max_age,
        "offer_hours": course.offer_hours,
        "weekdays": course.weekdays,
        "start_time": "09:00",
        "end_time": "11:30",
        "municipality": course.municipality_id,
        "title_ar": "الألمانية A1",
        "description_ar": "للمبتدئين",
        "what_to_bring_ar": "دفتر",
        "title_uk": "Німецька A1",
        "description_uk": "Для початківців.",
        "what_to_bring_uk": "Зошит і ручка.",  # noqa: RUF001
    }
    response = client.post(f"/manage/courses/{course.pk}/edit/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    course.refresh_from_db()
    assert (course.title_uk, course.description_uk, course.what_to_bring_uk) == (
        "Німецька A1", "Для початківців.", "Зошит і ручка.",  # noqa: RUF001
    )  # fmt: skip
    assert course.title_de == "Deutsch A1 am Vormittag"
    assert not course.title_en
    assert "uk" not in missing_languages(course)


def test_text_falls_back_per_field():
    course = arabic_titled()
    assert text(course, "title", "ar").language == "ar"
    assert text(course, "description", "ar").language == "de"
    assert text(course, "title", "ar-EG").language == "ar"
    assert text(course, "title", "xx").language == "de"


def test_the_venues_api_answers_getting_there_in_the_callers_language_and_the_link(as_user):
    venue = VenueFactory(getting_there="Bus 631.", latitude=Decimal("49.2381"),
                         longitude=Decimal("9.1012"))  # fmt: skip
    venue.getting_there_uk = "Автобус 631."
    venue.save()
    data = as_user(None).get(f"/api/v1/venues/{venue.pk}/", HTTP_ACCEPT_LANGUAGE="uk").json()
    assert data["getting_there"] == "Автобус 631."
    assert data["accessibility_notes"] == "Stufenloser Zugang"
    assert (data["latitude"], data["longitude"]) == (49.2381, 9.1012)
    assert data["directions_url"] == directions_url(venue)
    assert directions_url(venue).startswith("https://www.openstreetmap.org/directions?to=")
