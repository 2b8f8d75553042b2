"""Holidays and closures as data: Baden-Württemberg's public holidays and the
closures a coordinator maintains (the district's school holidays, a provider's
or a venue's closed days) are skipped when a course's sessions are generated,
each skipped date is stored with its reason and shown on the course plan, and
a coordinator can keep a date on purpose. Time is frozen, so the expectations
hold on any day."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.roles import LEARNER
from courses import closures, selectors, services
from courses.constants import MAX_CLOSURE_DAYS, CourseStatus, SkipReason
from courses.models import Closure, Course, CourseSession, SkippedDate
from courses.notifications import Kind
from notifications.models import Notification
from notifications.texts import render

from ..calendars.helpers import BERLIN, local_starts
from ..factories import (
    CourseFactory,
    ProviderFactory,
    UserFactory,
    VenueFactory,
    course_fields,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)
EASTER_MONDAY, WHIT_MONDAY = dt.date(2027, 3, 29), dt.date(2027, 5, 17)
SPRING = {"starts_on": dt.date(2027, 3, 1), "ends_on": dt.date(2027, 6, 28), "weekdays": [0]}
MONDAYS = [dt.date(2027, 3, 1) + dt.timedelta(weeks=n) for n in range(18)]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def spring_course(**overrides) -> Course:
    return CourseFactory(**{**SPRING, **overrides})


def session_dates(course) -> list[dt.date]:
    return list(course.sessions.order_by("date").values_list("date", flat=True))


def skipped(course) -> dict[dt.date, tuple[str, str]]:
    return {s.date: (s.reason, s.name) for s in course.skipped_dates.all()}


def district(name="Osterferien", first=dt.date(2027, 3, 25), last=dt.date(2027, 4, 3), **scope):
    return closures.create_closure(name=name, first_day=first, last_day=last, **scope)


# --- Public holidays ------------------------------------------------------------------


def test_a_spring_monday_course_gets_no_session_on_easter_monday_or_whit_monday():
    course = spring_course()
    dates = session_dates(course)
    assert EASTER_MONDAY not in dates and WHIT_MONDAY not in dates
    assert dates == [day for day in MONDAYS if day not in (EASTER_MONDAY, WHIT_MONDAY)]
    assert skipped(course) == {
        EASTER_MONDAY: (SkipReason.HOLIDAY, "Ostermontag"),
        WHIT_MONDAY: (SkipReason.HOLIDAY, "Pfingstmontag"),
    }


def test_the_planning_function_returns_the_dates_and_the_skipped_dates_with_reasons():
    """One function decides (courses.services._planned_dates), for an unsaved course too."""
    venue = VenueFactory()
    district("Osterferien")
    closures.create_closure(
        name="Renovierung", first_day=dt.date(2027, 6, 14), last_day=dt.date(2027, 6, 20),
        venue=venue,
    )  # fmt: skip
    course = Course(**course_fields(**SPRING, venue=venue, exception_dates=["2027-03-08"]))
    plan = services._planned_dates(course)
    reasons = {skip.date: (skip.reason, skip.name) for skip in plan.skipped}
    assert reasons == {
        dt.date(2027, 3, 8): (SkipReason.EXCEPTION, ""),
        EASTER_MONDAY: (SkipReason.HOLIDAY, "Ostermontag"),  # a holiday within the closure
        WHIT_MONDAY: (SkipReason.HOLIDAY, "Pfingstmontag"),
        dt.date(2027, 6, 14): (SkipReason.CLOSURE, "Renovierung"),
    }
    assert sorted(plan.dates + list(reasons)) == MONDAYS
    assert not Course.objects.exists()


def test_a_plan_whose_every_date_is_skipped_is_refused():
    with pytest.raises(services.InvalidInput) as refused:
        CourseFactory(starts_on=EASTER_MONDAY, ends_on=EASTER_MONDAY, weekdays=[0])
    assert "starts_on" in refused.value.fields
    assert not Course.objects.exists()


# --- Closures apply by scope ----------------------------------------------------------------


def test_district_provider_and_venue_closures_apply_to_the_courses_they_name():
    vhs, caritas = ProviderFactory(name="VHS Unterland"), ProviderFactory(name="Caritas")
    hall, school = VenueFactory(name="Bürgerhaus"), VenueFactory(name="Schule")
    district("Pfingstferien", dt.date(2027, 5, 18), dt.date(2027, 5, 29))
    closures.create_closure(name="Betriebsferien VHS", first_day=dt.date(2027, 4, 5),
                            last_day=dt.date(2027, 4, 9), provider=vhs)  # fmt: skip
    closures.create_closure(name="Wasserschaden", first_day=dt.date(2027, 6, 7),
                            last_day=dt.date(2027, 6, 7), venue=hall)  # fmt: skip
    vhs_hall = spring_course(provider=vhs, venue=hall)
    caritas_school = spring_course(provider=caritas, venue=school)
    may_24 = dt.date(2027, 5, 24)
    assert skipped(vhs_hall) == {
        EASTER_MONDAY: (SkipReason.HOLIDAY, "Ostermontag"),
        dt.date(2027, 4, 5): (SkipReason.CLOSURE, "Betriebsferien VHS"),
        WHIT_MONDAY: (SkipReason.HOLIDAY, "Pfingstmontag"),
        may_24: (SkipReason.CLOSURE, "Pfingstferien"),
        dt.date(2027, 6, 7): (SkipReason.CLOSURE, "Wasserschaden"),
    }
    assert skipped(caritas_school) == {
        EASTER_MONDAY: (SkipReason.HOLIDAY, "Ostermontag"),
        WHIT_MONDAY: (SkipReason.HOLIDAY, "Pfingstmontag"),
        may_24: (SkipReason.CLOSURE, "Pfingstferien"),
    }
    assert dt.date(2027, 4, 5) in session_dates(caritas_school)
    assert dt.date(2027, 6, 7) in session_dates(caritas_school)


def test_what_a_course_shows_is_what_was_generated_even_after_the_closure_changes(client):
    osterferien = district("Osterferien", dt.date(2027, 3, 29), dt.date(2027, 4, 9))
    course = spring_course()
    closures.update_closure(closure=osterferien, name="Frühjahrsferien",
                            last_day=dt.date(2027, 4, 16))  # fmt: skip
    assert skipped(course)[dt.date(2027, 4, 5)] == (SkipReason.CLOSURE, "Osterferien")
    assert dt.date(2027, 4, 12) in session_dates(course)
    closures.delete_closure(closure=osterferien)
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert "Osterferien" in page and "Frühjahrsferien" not in page
    assert SkippedDate.objects.get(course=course, date=dt.date(2027, 4, 5)).closure_id is None


# --- Closure invariants and limits ------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_day": dt.date(2027, 4, 3), "last_day": dt.date(2027, 3, 25)}, "last_day"),
        ({"last_day": dt.date(2027, 3, 25) + dt.timedelta(days=MAX_CLOSURE_DAYS)}, "last_day"),
        ({"first_day": dt.date(2030, 1, 1), "last_day": dt.date(2030, 1, 2)}, "first_day"),
        ({"first_day": dt.date(1, 1, 1), "last_day": dt.date(1, 1, 2)}, "first_day"),
        ({"name": "Oster\nferien"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": ""}, "name"),
    ],
)
def test_a_closure_beyond_sense_is_refused_and_nothing_is_saved(changes, field):
    fields = {"name": "Osterferien", "first_day": dt.date(2027, 3, 25),
              "last_day": dt.date(2027, 4, 3), **changes}  # fmt: skip
    with pytest.raises((services.InvalidInput, ValidationError)) as refused:
        closures.create_closure(**fields)
    error = refused.value
    names = error.fields if isinstance(error, services.InvalidInput) else error.message_dict
    assert field in names
    assert not Closure.objects.exists()


def test_a_closure_is_for_the_district_one_provider_or_one_venue_never_both():
    with pytest.raises(ValidationError) as refused:
        district(provider=ProviderFactory(), venue=VenueFactory())
    assert "venue" in refused.value.message_dict
    assert not Closure.objects.exists()


def test_the_longest_closure_ending_on_the_horizon_is_accepted():
    last = NOW.date() + dt.timedelta(days=3 * 366)
    closure = district(first=last - dt.timedelta(days=MAX_CLOSURE_DAYS - 1), last=last)
    assert closure.scope == "district"


# --- The closures API ----------------------------------------------------------------------


def test_a_coordinator_manages_closures_through_the_api(as_user, coordinator):
    api = as_user(coordinator)
    vhs = ProviderFactory()
    created = api.post("/api/v1/closures/", {"name": "Betriebsferien", "first_day": "2027-08-02",
                       "last_day": "2027-08-13", "provider": vhs.pk}, format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["scope"] == "provider" and body["provider_name"] == vhs.name
    url = f"/api/v1/closures/{body['id']}/"
    changed = api.patch(url, {"last_day": "2027-08-20"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["last_day"] == "2027-08-20" and changed.json()["name"] == "Betriebsferien"
    assert api.get(url).json()["last_day"] == "2027-08-20"
    assert api.put(url, body, format="json").status_code == 405
    listed = api.get("/api/v1/closures/?provider=" + str(vhs.pk)).json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]
    assert api.get("/api/v1/closures/?ends_after=2027-08-21").json()["count"] == 0
    assert api.delete(url).status_code == 204
    assert not Closure.objects.exists()


def test_an_invalid_closure_is_refused_by_the_api_with_field_messages(as_user, coordinator):
    api = as_user(coordinator)
    both = {"name": "Zu", "first_day": "2027-08-02", "last_day": "2027-08-01",
            "provider": ProviderFactory().pk, "venue": VenueFactory().pk}  # fmt: skip
    response = api.post("/api/v1/closures/", both, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {"venue", "last_day"} <= set(error["fields"])
    far = {"name": "Zu", "first_day": "2031-01-01", "last_day": "2031-01-02"}
    response = api.post("/api/v1/closures/", far, format="json")
    assert response.status_code == 400 and "first_day" in response.json()["error"]["fields"]
    assert not Closure.objects.exists()
    closure = district()
    response = api.patch(f"/api/v1/closures/{closure.pk}/", {"name": "A\r\nB"}, format="json")
    assert response.status_code == 400
    closure.refresh_from_db()
    assert closure.name == "Osterferien"


def _many_closures(n: int) -> None:
    for i in range(n):
        scope = [{}, {"provider": ProviderFactory(name=f"Träger {i}")},
                 {"venue": VenueFactory(name=f"Ort {i}")}][i % 3]  # fmt: skip
        district(f"Ferien {i}", dt.date(2027, 1, 1) + dt.timedelta(days=i),
                 dt.date(2027, 1, 2) + dt.timedelta(days=i), **scope)  # fmt: skip


def test_the_closures_list_costs_the_same_queries_for_three_or_thirty(
    as_user, coordinator, django_assert_num_queries
):
    api, pages = as_user(coordinator), Client()
    pages.force_login(coordinator)
    _many_closures(3)
    api.get("/api/v1/closures/"), pages.get("/manage/closures/")  # the first request caches
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/v1/closures/?page_size=50").status_code == 200
    with CaptureQueriesContext(connection) as few_page:
        assert pages.get("/manage/closures/").status_code == 200
    _many_closures(30)
    with django_assert_num_queries(len(few.captured_queries)):
        assert api.get("/api/v1/closures/?page_size=50").json()["count"] == 33
    with django_assert_num_queries(len(few_page.captured_queries)):
        page = pages.get("/manage/closures/").content.decode()
    assert "Ferien 29" in page and "Ort 29" in page and "Träger 28" in page


# --- The closure pages ------------------------------------------------------------------------


@pytest.fixture
def office(coordinator):
    client = Client()
    client.force_login(coordinator)
    return client


def test_a_coordinator_adds_changes_and_deletes_a_closure_on_the_pages(office):
    venue = VenueFactory(name="Gemeindehaus")
    response = office.post("/manage/closures/new/", {"name": "Renovierung", "first_day":
                           "2027-07-01", "last_day": "2027-07-31", "venue": venue.pk})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/manage/closures/"
    closure = Closure.objects.get()
    assert (closure.venue, closure.scope) == (venue, "venue")
    listing = office.get("/manage/closures/").content.decode()
    assert "Renovierung" in listing and "Gemeindehaus" in listing
    edit = office.get(f"/manage/closures/{closure.pk}/edit/")
    assert 'value="Renovierung"' in edit.content.decode()
    office.post(f"/manage/closures/{closure.pk}/edit/", {"name": "Renovierung Saal",
                "first_day": "2027-07-01", "last_day": "2027-08-15", "venue": venue.pk})  # fmt: skip
    closure.refresh_from_db()
    assert (closure.name, closure.last_day) == ("Renovierung Saal", dt.date(2027, 8, 15))
    assert (
        "Renovierung Saal" in office.get(f"/manage/closures/{closure.pk}/delete/").content.decode()
    )
    assert office.post(f"/manage/closures/{closure.pk}/delete/").status_code == 302
    assert not Closure.objects.exists()


def test_the_closure_form_shows_refusals_on_their_fields_and_saves_nothing(office, coordinator):
    coordinator.preferred_language = "en"
    coordinator.save()
    both = {"name": "Zu", "first_day": "2027-07-02", "last_day": "2027-07-01",
            "provider": ProviderFactory().pk, "venue": VenueFactory().pk}  # fmt: skip
    response = office.post("/manage/closures/new/", both)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"venue", "last_day"} <= set(errors)
    far = {"name": "Zu", "first_day": "2031-01-01", "last_day": "2031-01-02"}
    response = office.post("/manage/closures/new/", far)
    assert "Choose a date before" in str(response.context["form"].errors["first_day"])
    assert not Closure.objects.exists()


def test_the_coordinators_find_the_closures_from_their_navigation_and_course_list(office):
    for page in ("/manage/courses/", "/dashboard/"):
        assert 'href="/manage/closures/"' in office.get(page).content.decode()


def test_the_course_form_no_longer_asks_for_dates_typed_as_lines(office):
    page = office.get("/manage/courses/new/").content.decode()
    assert "exception_dates" not in page and "YYYY-MM-DD" not in page
    assert 'href="/manage/closures/"' in page


# --- The course plan shows each skipped date with its reason ----------------------------


def test_the_management_page_lists_skipped_dates_with_reasons_and_a_keep_button(office):
    district("Osterferien", dt.date(2027, 3, 25), dt.date(2027, 4, 3))
    course = spring_course(exception_dates=["2027-03-08"])
    page = office.get(f"/manage/courses/{course.pk}/").content.decode()
    section = page[page.index('id="skipped-dates"') :]
    for day, reason in [("2027-03-08", "Tag ohne Unterricht"), ("2027-03-29", "Ostermontag"),
                        ("2027-05-17", "Pfingstmontag")]:  # fmt: skip
        row = section[section.index(f'id="skipped-{day}"') :].split("</tr>")[0]
        assert reason in row
        assert f'name="date" value="{day}"' in row


@pytest.mark.parametrize(
    ("language", "easter_monday"),
    [("de", "Ostermontag"), ("en", "Easter Monday"), ("uk", "Великодній понеділок"),
     ("ar", "Ostermontag"), ("tr", "Ostermontag")],
)  # fmt: skip
def test_learners_read_no_class_on_with_holiday_names_in_their_language(language, easter_monday):
    district("Pfingstferien", dt.date(2027, 5, 18), dt.date(2027, 5, 29))
    course = spring_course()
    learner = UserFactory(roles=[LEARNER], preferred_language=language)
    client = Client()
    client.force_login(learner)
    page = client.get(f"/courses/{course.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    no_class = text[text.index('id="no-class"') :].split("</section>")[0]
    assert easter_monday in no_class
    assert "Pfingstferien" in no_class  # a closure's name as typed, in every language
    assert no_class.count("<li>") == 3  # Easter Monday, Whit Monday, 24 May


def test_the_api_lists_skipped_dates_with_reasons_in_the_callers_language(as_user):
    course = spring_course()
    english = UserFactory(roles=[LEARNER], preferred_language="en")
    response = as_user(english).get(f"/api/v1/courses/{course.pk}/skipped-dates/")
    assert response.status_code == 200
    assert [(r["date"], r["reason"], r["reason_text"], r["kept"]) for r in response.json()["results"]] == [
        ("2027-03-29", "holiday", "Easter Monday", False),
        ("2027-05-17", "holiday", "Pentecost Monday", False),
    ]  # fmt: skip


# --- Keeping a date on purpose ----------------------------------------------------------------


def test_keeping_a_date_creates_its_session_and_sends_participants_the_updated_calendar(
    office, coordinator
):
    course = spring_course()
    participant = UserFactory(roles=[LEARNER])
    services.book_course(course=course, learner=participant, children_ages=[])
    sequence = course.calendar_sequence
    response = office.post(f"/manage/courses/{course.pk}/keep-date/", {"date": "2027-05-17"})
    assert response.status_code == 302
    assert response["Location"] == f"/manage/courses/{course.pk}/#skipped-dates"
    session = CourseSession.objects.get(course=course, date=WHIT_MONDAY)
    assert (session.original_date, session.start_time) == (WHIT_MONDAY, course.start_time)
    kept = SkippedDate.objects.get(course=course, date=WHIT_MONDAY)
    assert kept.kept_by == coordinator and kept.kept_at is not None
    course.refresh_from_db()
    assert course.calendar_sequence == sequence + 1
    updates = Notification.objects.filter(recipient=participant, kind=Kind.COURSE_CHANGED)
    assert updates.exists()
    assert all(update.payload["changed"] == ["dates"] for update in updates)
    text = render(Kind.COURSE_CHANGED, updates[0].payload, "de")
    assert "hat sich etwas geändert: die Termine." in " ".join(text.lines)
    # The participant's calendar now has the date; Easter Monday is still left out.
    learner_client = Client()
    learner_client.force_login(participant)
    booking = participant.bookings.get()
    days = [day for day, _ in local_starts(
        learner_client.get(f"/bookings/{booking.pk}/calendar.ics").content)]  # fmt: skip
    assert WHIT_MONDAY in days and EASTER_MONDAY not in days
    assert len(days) == 17
    # The learner no longer reads it under "no class on".
    page = learner_client.get(f"/courses/{course.pk}/").content.decode()
    assert "Pfingstmontag" not in page[page.index('id="no-class"') :]


def test_keeping_a_date_of_a_draft_tells_nobody(coordinator):
    course = spring_course(status=CourseStatus.DRAFT)
    services.keep_date(course=course, day=EASTER_MONDAY, by=coordinator)
    assert course.sessions.filter(date=EASTER_MONDAY).exists()
    assert not Notification.objects.filter(kind=Kind.COURSE_CHANGED).exists()
    course.refresh_from_db()
    assert course.calendar_sequence == 0


def test_a_kept_exception_date_leaves_the_exception_dates_so_calendars_show_it(coordinator):
    course = spring_course(exception_dates=["2027-03-08"])
    services.keep_date(course=course, day=dt.date(2027, 3, 8), by=coordinator)
    course.refresh_from_db()
    assert course.exception_dates == []
    assert dt.date(2027, 3, 8) in session_dates(course)


def test_a_regenerated_plan_keeps_the_dates_a_coordinator_kept(coordinator):
    """For whoever regenerates sessions (course editing): kept dates stay planned."""
    course = spring_course()
    services.keep_date(course=course, day=EASTER_MONDAY, by=coordinator)
    plan = services._planned_dates(Course.objects.get(pk=course.pk))
    assert EASTER_MONDAY in plan.dates
    assert [skip.date for skip in plan.skipped] == [WHIT_MONDAY]


def test_keeping_a_date_through_the_api(as_user, coordinator):
    course = spring_course()
    response = as_user(coordinator).post(
        f"/api/v1/courses/{course.pk}/keep-date/", {"date": "2027-03-29"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["date"], response.json()["status"]) == ("2027-03-29", "scheduled")
    listed = as_user(coordinator).get(f"/api/v1/courses/{course.pk}/skipped-dates/").json()
    assert [r["kept"] for r in listed["results"]] == [True, False]


@pytest.mark.parametrize(
    ("day", "code"),
    [("2027-03-22", "date_not_skipped"), ("2027-03-30", "date_not_skipped"),
     ("2027-03-29", "date_not_keepable")],
)  # fmt: skip
def test_keeping_a_date_the_course_does_not_skip_or_kept_already_is_refused(
    as_user, coordinator, day, code
):
    course = spring_course()
    services.keep_date(course=course, day=EASTER_MONDAY, by=coordinator)
    before = (CourseSession.objects.count(), Notification.objects.count())
    response = as_user(coordinator).post(
        f"/api/v1/courses/{course.pk}/keep-date/", {"date": day}, format="json"
    )
    assert response.status_code == 409, response.json()
    assert response.json()["error"]["code"] == code
    assert (CourseSession.objects.count(), Notification.objects.count()) == before


def test_a_past_date_or_a_date_with_a_moved_session_on_it_cannot_be_kept(coordinator):
    running = CourseFactory(starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 1, 28),
                            weekdays=[3], exception_dates=["2026-10-08"])  # fmt: skip
    with pytest.raises(services.DateNotKeepable):
        services.keep_date(course=running, day=dt.date(2026, 10, 8), by=coordinator)
    assert not running.sessions.filter(date=dt.date(2026, 10, 8)).exists()
    course = spring_course()
    first = course.sessions.order_by("date").first()
    services.move_session(session=first, to_date=EASTER_MONDAY, start_time=first.start_time,
                          end_time=first.end_time)  # fmt: skip
    with pytest.raises(services.DateNotKeepable):
        services.keep_date(course=course, day=EASTER_MONDAY, by=coordinator)
    assert course.sessions.filter(date=EASTER_MONDAY).count() == 1


def test_a_cancelled_course_gets_no_kept_dates(coordinator):
    course = spring_course()
    services.cancel_course(course=course, by=coordinator)
    with pytest.raises(services.CourseNotChangeable):
        services.keep_date(course=course, day=EASTER_MONDAY, by=coordinator)


def test_the_keep_page_says_why_it_refused(office):
    course = spring_course()
    response = office.post(f"/manage/courses/{course.pk}/keep-date/", {"date": "2027-03-22"},
                           follow=True)  # fmt: skip
    assert "Dieser Kurs lässt diesen Termin nicht aus." in response.content.decode()
    response = office.post(f"/manage/courses/{course.pk}/keep-date/", {"date": "kein Datum"},
                           follow=True)  # fmt: skip
    assert "Sagen Sie, welchen Termin Sie behalten möchten." in response.content.decode()
    assert course.sessions.count() == 16


def test_selectors_give_holiday_names_in_the_asked_language():
    course = spring_course()
    easter = SkippedDate.objects.get(course=course, date=EASTER_MONDAY)
    assert selectors.reason_text(easter, "uk") == "Великодній понеділок"
    assert selectors.reason_text(easter, "fa") == "Ostermontag"
    assert selectors.reason_text(easter, "en") == "Easter Monday"
