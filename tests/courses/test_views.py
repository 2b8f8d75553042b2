"""The course pages through Django's test client: search, booking with childcare,
the waiting list and offers, cancelling, calendar files, and running courses.
Every refused input shows a message tied to its field and changes nothing."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from icalendar import Calendar

from accounts.roles import COORDINATOR, LEARNER
from common import formatting
from common.errors import Busy
from courses import services
from courses.constants import BookingStatus, CourseStatus, Format, SessionStatus
from courses.models import Booking, Course
from courses.notifications import Kind
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory, VenueFactory, municipality

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    # Texts are asserted in English, the msgids (the pages follow the user's language).
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    client.force_login(user)
    return client


@pytest.fixture
def learner_client(client, learner):
    return _signed_in(client, learner)


@pytest.fixture
def coordinator_client(client, coordinator):
    return _signed_in(client, coordinator)


def titles(response) -> list[str]:
    return [course.title for course in response.context["courses"]]


# --- Search ---------------------------------------------------------------------------


def test_search_filters_by_level_childcare_weekday_and_time_of_day(client):
    CourseFactory(title="A1 mornings")
    CourseFactory(title="B1 no childcare", level="B1", childcare_places=0,
                  childcare_min_age=None, childcare_max_age=None)  # fmt: skip
    CourseFactory(title="A2 Tuesday evening", level="A2", weekdays=[1],
                  start_time=dt.time(18, 0), end_time=dt.time(20, 0))  # fmt: skip

    assert titles(client.get("/courses/?level=B1")) == ["B1 no childcare"]
    assert set(titles(client.get("/courses/?childcare=on"))) == {
        "A1 mornings",
        "A2 Tuesday evening",
    }
    assert titles(client.get("/courses/?weekday=1")) == ["A2 Tuesday evening"]
    assert titles(client.get("/courses/?time_of_day=evening")) == ["A2 Tuesday evening"]
    assert len(titles(client.get("/courses/?level="))) == 3


def test_search_around_a_municipality_keeps_courses_within_the_radius_nearest_first(client):
    CourseFactory(title="Far", municipality=municipality("Wüstenrot"))
    CourseFactory(title="Near", municipality=municipality("Gundelsheim"))
    CourseFactory(title="Here", municipality=municipality("Bad Rappenau"))
    CourseFactory(title="Online", format=Format.ONLINE, municipality=None)
    near = municipality("Bad Rappenau").pk

    assert titles(client.get(f"/courses/?near={near}&radius_km=10")) == ["Here", "Near"]
    assert titles(client.get(f"/courses/?near={near}&radius_km=50")) == ["Here", "Near", "Far"]
    page = client.get(f"/courses/?near={near}&radius_km=10").content.decode()
    assert "6 km" in page  # Gundelsheim's distance is shown on its card


def test_online_search_shows_courses_to_join_from_home_wherever_they_are(client):
    CourseFactory(title="In person", municipality=municipality("Wüstenrot"))
    CourseFactory(title="Online", format=Format.ONLINE, municipality=None)
    CourseFactory(title="Hybrid", format=Format.HYBRID, municipality=municipality("Wüstenrot"))
    near = municipality("Bad Rappenau").pk

    response = client.get(f"/courses/?near={near}&radius_km=5&online=on")
    assert set(titles(response)) == {"Online", "Hybrid"}


def test_first_visit_searches_around_the_learners_home(client):
    learner = UserFactory(roles=[LEARNER], home_municipality=municipality("Bad Rappenau"))
    CourseFactory(title="Far", municipality=municipality("Wüstenrot"))
    CourseFactory(title="Here")
    client.force_login(learner)

    first = client.get("/courses/")
    assert titles(first) == ["Here"]
    assert first.context["form"]["near"].value() == learner.home_municipality_id
    assert set(titles(client.get("/courses/?near="))) == {"Far", "Here"}


def test_learners_see_only_published_running_courses_and_coordinators_every_state(
    client, learner, coordinator
):
    CourseFactory(title="Published")
    CourseFactory(title="Draft", status=CourseStatus.DRAFT)
    cancelled = CourseFactory(title="Cancelled")
    services.cancel_course(course=cancelled, by=coordinator)
    start = timezone.localdate() - dt.timedelta(weeks=12)
    CourseFactory(title="Ended", starts_on=start, ends_on=start + dt.timedelta(weeks=4))

    client.force_login(learner)
    assert titles(client.get("/courses/")) == ["Published"]
    client.force_login(coordinator)
    assert set(titles(client.get("/courses/"))) == {"Published", "Draft", "Cancelled"}


def test_search_cards_show_seats_childcare_and_waiting_list(client, learner, other_learner):
    course = CourseFactory(title="Small", seats=1, childcare_places=2)
    services.book_course(course=course, learner=other_learner, children_ages=[3])
    services.book_course(course=course, learner=learner, children_ages=[])

    response = client.get("/courses/", headers={"accept-language": "en"})
    assert "Full: waiting list" in response.content.decode()
    card = response.context["courses"][0]
    assert (card.seats_left, card.childcare_places_left, card.waitlist_length) == (0, 1, 1)


def test_htmx_search_answers_only_the_results_with_the_new_count(client):
    CourseFactory(title="A1 mornings")
    response = client.get("/courses/?level=A1", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert "A1 mornings" in body
    assert 'hx-swap-oob="innerHTML"' in body
    assert "HX-Request" in response["Vary"]
    # A history restore needs the whole page.
    restore = client.get(
        "/courses/?level=A1", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


def test_search_pages_through_many_courses(client):
    for number in range(23):
        CourseFactory(title=f"Course {number:02}")
    first = client.get("/courses/?level=A1")
    second = client.get("/courses/?level=A1&page=2")
    assert len(titles(first)) == 20
    assert len(titles(second)) == 3
    assert "page=2" in first.content.decode()


def test_search_with_an_unknown_municipality_says_so(client):
    response = client.get("/courses/?near=999999")
    assert response.status_code == 200
    assert response.context["form"].errors["near"]
    assert titles(response) == []


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_search_costs_the_same_queries_for_3_and_15_courses(
    learner_client, django_assert_max_num_queries
):
    near = municipality("Bad Rappenau").pk
    url = f"/courses/?near={near}&radius_km=25&weekday=0"
    for _ in range(3):
        CourseFactory()
    few = _count_queries(learner_client, url)
    for _ in range(12):
        CourseFactory()
    assert _count_queries(learner_client, url) == few
    with django_assert_max_num_queries(12):
        learner_client.get(url)


# --- The course page and booking ----------------------------------------------------------


def test_course_page_shows_place_dates_moved_and_cancelled_sessions(client, coordinator):
    venue = VenueFactory(accessibility_notes="Aufzug am Seiteneingang")
    course = CourseFactory(venue=venue, what_to_bring="Heft und Stift",
                           helper_languages=["ar", "uk"])  # fmt: skip
    first, second = course.sessions.order_by("date")[:2]
    services.move_session(session=first, to_date=first.date + dt.timedelta(days=1),
                          start_time=dt.time(14, 0), end_time=dt.time(16, 0))  # fmt: skip
    services.cancel_session(session=second, note="Lehrerin krank")

    page = client.get(f"/courses/{course.pk}/", headers={"accept-language": "en"})
    body = page.content.decode()
    assert page.status_code == 200
    for text in ("Hauptstraße 1", "Aufzug am Seiteneingang", "Heft und Stift", "Arabic",
                 "Ukrainian", "Moved",
                 "14:00–16:00", "Cancelled", "Lehrerin krank", "Sign in to book"):  # fmt: skip # noqa: RUF001
        assert text in body, text
    assert f"?next=/courses/{course.pk}/" in body.replace("%2F", "/")


def test_draft_course_page_is_hidden_from_learners(learner_client):
    draft = CourseFactory(status=CourseStatus.DRAFT)
    assert learner_client.get(f"/courses/{draft.pk}/").status_code == 404


def test_learner_books_with_childcare_ages_and_sees_it_confirmed(learner_client, learner):
    course = CourseFactory()
    response = learner_client.post(
        f"/courses/{course.pk}/book/",
        {"children_ages_0": "3", "children_ages_1": "", "children_ages_2": "5"},
        follow=True,
    )
    booking = Booking.objects.get(course=course, learner=learner)
    assert (booking.status, booking.children_ages) == (BookingStatus.CONFIRMED, [3, 5])
    body = response.content.decode()
    assert 'class="outcome"' in body
    assert response.context["booking"].pk == booking.pk
    assert Notification.objects.filter(recipient=learner, kind=Kind.BOOKING_CONFIRMED).exists()


def test_booking_a_full_course_shows_the_waiting_position(learner_client, learner, other_learner):
    course = CourseFactory(seats=1)
    services.book_course(course=course, learner=other_learner, children_ages=[])
    page = learner_client.get(f"/courses/{course.pk}/").content.decode()
    assert "Join the waiting list" in page

    response = learner_client.post(f"/courses/{course.pk}/book/", {}, follow=True)
    booking = Booking.objects.get(course=course, learner=learner)
    assert booking.status == BookingStatus.WAITLISTED
    assert response.context["booking"].waitlist_position == 1
    outcome = response.content.decode().split('class="outcome"')[1].split("</p>")[0]
    assert "on the waiting list at position 1." in outcome


def test_a_second_submit_does_not_book_twice(learner_client, learner):
    course = CourseFactory()
    learner_client.post(f"/courses/{course.pk}/book/", {})
    response = learner_client.post(f"/courses/{course.pk}/book/", {}, follow=True)
    assert Booking.objects.filter(course=course, learner=learner).count() == 1
    messages = [str(m) for m in response.context["messages"]]
    assert messages[-1] == "You already have a booking for this course."


@pytest.mark.parametrize(
    "ages, field_error",
    [
        ({"children_ages_0": "20"}, "up to 17"),
        ({"children_ages_0": "-1"}, "below 0"),
        ({"children_ages_0": "vier"}, "whole number"),
        ({"children_ages_0": "9"}, "from 1 to 6"),  # the course's childcare ages (service rule)
        ({"children_ages_0": "2", "children_ages_1": "3", "children_ages_2": "4"},
         "Too many children"),  # the course has 2 childcare places (service rule)
    ],
)  # fmt: skip
def test_wrong_children_ages_are_refused_at_the_field_and_nothing_is_booked(
    learner_client, learner, ages, field_error
):
    course = CourseFactory(childcare_places=2)
    response = learner_client.post(f"/courses/{course.pk}/book/", ages)
    assert response.status_code == 200
    errors = response.context["form"].errors["children_ages"]
    assert any(field_error in error for error in errors), errors
    body = response.content.decode()
    assert 'id="id_children_ages_error"' in body
    assert 'aria-describedby="id_children_ages_helptext id_children_ages_error"' in body
    assert 'class="error-summary"' in body
    assert not Booking.objects.filter(learner=learner).exists()
    assert not Notification.objects.filter(recipient=learner).exists()


def test_busy_booking_asks_to_try_again_and_changes_nothing(learner_client, learner, monkeypatch):
    course = CourseFactory()

    def busy(**kwargs):
        raise Busy()

    monkeypatch.setattr(services, "book_course", busy)
    response = learner_client.post(f"/courses/{course.pk}/book/", {"children_ages_0": "3"})
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert [str(m) for m in response.context["messages"]] == [str(Busy().message)]
    assert not Booking.objects.filter(learner=learner).exists()


def test_coaches_and_coordinators_do_not_book_on_the_web(client, coach, coordinator):
    course = CourseFactory()
    for user in (coach, coordinator):
        client.force_login(user)
        assert client.post(f"/courses/{course.pk}/book/", {}).status_code == 403
    assert not Booking.objects.exists()


# --- My bookings ----------------------------------------------------------------------------


def test_offer_is_shown_with_its_deadline_and_accepting_confirms(
    learner_client, learner, other_learner
):
    course = CourseFactory(seats=1)
    holder = services.book_course(course=course, learner=other_learner, children_ages=[])
    waiting = services.book_course(course=course, learner=learner, children_ages=[])
    page = learner_client.get("/bookings/")
    assert page.context["current"][0].waitlist_position == 1

    services.cancel_booking(booking=holder, by=other_learner)
    waiting.refresh_from_db()
    page = learner_client.get("/bookings/")
    with translation.override("en"):
        deadline = formatting.moment(waiting.offer_expires_at)
    assert waiting.status == BookingStatus.OFFERED
    assert f"Accept it by {deadline}" in page.content.decode()

    response = learner_client.post(f"/bookings/{waiting.pk}/accept/", follow=True)
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.CONFIRMED
    assert response.redirect_chain[-1][0] == "/bookings/"
    assert 'class="outcome"' in response.content.decode()


def test_accepting_an_expired_offer_says_so_and_changes_nothing(
    learner_client, learner, other_learner
):
    course = CourseFactory(seats=1)
    holder = services.book_course(course=course, learner=other_learner, children_ages=[])
    waiting = services.book_course(course=course, learner=learner, children_ages=[])
    services.cancel_booking(booking=holder, by=other_learner)
    Booking.objects.filter(pk=waiting.pk).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = learner_client.post(f"/bookings/{waiting.pk}/accept/", follow=True)
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.OFFERED
    assert [str(m) for m in response.context["messages"]] == [
        "This offer has expired. The place has gone to the next person."
    ]


def test_cancelling_asks_first_then_frees_the_place(learner_client, learner):
    course = CourseFactory()
    booking = services.book_course(course=course, learner=learner, children_ages=[2])
    confirm = learner_client.get(f"/bookings/{booking.pk}/cancel/")
    assert confirm.status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    learner_client.post(f"/bookings/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    page = learner_client.get("/bookings/")
    assert page.context["current"] == []
    assert [b.pk for b in page.context["earlier"]] == [booking.pk]


def test_someone_elses_booking_is_not_found(learner_client, other_learner):
    booking = services.book_course(course=CourseFactory(), learner=other_learner, children_ages=[])
    assert learner_client.get(f"/bookings/{booking.pk}/cancel/").status_code == 404
    assert learner_client.post(f"/bookings/{booking.pk}/cancel/").status_code == 404
    assert learner_client.get(f"/bookings/{booking.pk}/calendar.ics").status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_calendar_file_of_a_booking_is_the_course_series(learner_client, learner):
    course = CourseFactory()
    booking = services.book_course(course=course, learner=learner, children_ages=[])
    response = learner_client.get(f"/bookings/{booking.pk}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert {str(e["UID"]) for e in events} == {
        f"course-{course.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}"
    }
    assert "RRULE" in events[0]


def test_my_bookings_costs_the_same_queries_for_3_and_15_bookings(
    learner_client, learner, django_assert_max_num_queries
):
    def book(n):
        for _ in range(n):
            services.book_course(
                course=CourseFactory(), learner=learner, children_ages=[1], confirm_overlap=True
            )

    book(3)
    few = _count_queries(learner_client, "/bookings/")
    book(12)
    assert _count_queries(learner_client, "/bookings/") == few
    with django_assert_max_num_queries(8):
        learner_client.get("/bookings/")


# --- Coordinators ---------------------------------------------------------------------------


def course_form(**overrides) -> dict:
    # A Monday two to three weeks ahead, so the four weeks hold exactly four
    # Tuesdays and four Thursdays whatever weekday the suite runs on.
    soon = timezone.localdate() + dt.timedelta(days=14)
    start = soon + dt.timedelta(days=-soon.weekday() % 7)
    data = {
        "title": "Deutsch B1 am Abend", "level": "B1", "format": "in_person",
        "municipality": municipality("Eppingen").pk, "seats": "12", "childcare_places": "3",
        "childcare_min_age": "1", "childcare_max_age": "6", "helper_languages": ["ar", "fa"],
        "starts_on": start.isoformat(), "ends_on": (start + dt.timedelta(weeks=4)).isoformat(),
        "weekdays": ["1", "3"], "start_time": "18:00", "end_time": "20:00",
        "offer_hours": "48", "what_to_bring": "Heft",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_coordinator_creates_a_course_as_a_draft_with_its_sessions(coordinator_client):
    response = coordinator_client.post("/manage/courses/new/", course_form())
    course = Course.objects.get(title="Deutsch B1 am Abend")
    assert response.status_code == 302
    assert response["Location"] == f"/manage/courses/{course.pk}/"
    assert course.status == CourseStatus.DRAFT
    assert course.helper_languages == ["ar", "fa"]
    # Four weeks of Tuesdays and Thursdays; a public holiday among them is skipped.
    assert course.sessions.count() + course.skipped_dates.count() == 8


def test_course_form_errors_are_tied_to_fields_and_nothing_is_created(coordinator_client):
    data = course_form(end_time="17:00", childcare_max_age="0")
    response = coordinator_client.post("/manage/courses/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"end_time", "childcare_max_age"} <= set(errors)
    assert not Course.objects.filter(title="Deutsch B1 am Abend").exists()


def test_coordinator_publishes_and_cancels_a_course_and_everyone_hears_of_it(
    coordinator_client, learner
):
    draft = CourseFactory(status=CourseStatus.DRAFT)
    coordinator_client.post(f"/manage/courses/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == CourseStatus.PUBLISHED
    booking = services.book_course(course=draft, learner=learner, children_ages=[])

    confirm = coordinator_client.get(f"/manage/courses/{draft.pk}/cancel/")
    assert "Everyone affected is told" in confirm.content.decode()
    coordinator_client.post(f"/manage/courses/{draft.pk}/cancel/")
    draft.refresh_from_db()
    booking.refresh_from_db()
    assert draft.status == CourseStatus.CANCELLED
    assert booking.status == BookingStatus.CANCELLED
    assert Notification.objects.filter(recipient=learner, kind=Kind.COURSE_CANCELLED).exists()


def test_moving_and_cancelling_sessions_tells_the_participants(coordinator_client, learner):
    course = CourseFactory()
    services.book_course(course=course, learner=learner, children_ages=[])
    first, second = course.sessions.order_by("date")[:2]
    new_day = first.date + dt.timedelta(days=1)

    form = coordinator_client.get(f"/manage/sessions/{first.pk}/move/")
    assert form.context["form"]["date"].value() == first.date
    response = coordinator_client.post(
        f"/manage/sessions/{first.pk}/move/",
        {"date": new_day.isoformat(), "start_time": "10:00", "end_time": "12:00", "note": ""},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.date, first.start_time) == (new_day, dt.time(10, 0))
    assert Notification.objects.filter(recipient=learner, kind=Kind.SESSION_MOVED).exists()

    coordinator_client.post(f"/manage/sessions/{second.pk}/cancel/", {"note": "Krank"})
    second.refresh_from_db()
    assert (second.status, second.note) == (SessionStatus.CANCELLED, "Krank")
    assert Notification.objects.filter(recipient=learner, kind=Kind.SESSION_CANCELLED).exists()

    page = coordinator_client.get(f"/manage/courses/{course.pk}/").content.decode()
    assert learner.full_name in page


def test_moving_onto_another_session_or_before_its_start_is_refused(coordinator_client):
    course = CourseFactory()
    first, second = course.sessions.order_by("date")[:2]
    clash = coordinator_client.post(
        f"/manage/sessions/{first.pk}/move/",
        {"date": second.date.isoformat(), "start_time": "09:00", "end_time": "11:00"},
    )
    assert clash.status_code == 200
    assert clash.context["form"].non_field_errors()
    backwards = coordinator_client.post(
        f"/manage/sessions/{first.pk}/move/",
        {"date": first.date.isoformat(), "start_time": "12:00", "end_time": "11:00"},
    )
    assert backwards.context["form"].errors["end_time"]
    first.refresh_from_db()
    assert first.sequence == 0


def test_manage_list_filters_and_costs_the_same_queries_for_3_and_15_courses(
    coordinator_client, django_assert_max_num_queries
):
    CourseFactory(title="Draft", status=CourseStatus.DRAFT)
    for _ in range(2):
        CourseFactory()
    assert titles(coordinator_client.get("/manage/courses/?status=draft")) == ["Draft"]
    region = municipality().region
    other = "SE" if region != "SE" else "NE"
    assert titles(coordinator_client.get(f"/manage/courses/?region={other}")) == []

    few = _count_queries(coordinator_client, "/manage/courses/")
    for _ in range(12):
        CourseFactory()
    assert _count_queries(coordinator_client, "/manage/courses/") == few
    with django_assert_max_num_queries(8):
        coordinator_client.get("/manage/courses/")


def test_manage_pages_are_for_coordinators_only(learner_client):
    assert learner_client.get("/manage/courses/").status_code == 403


# --- Calendar subscription ------------------------------------------------------------------


def test_subscription_page_shows_the_link_and_a_qr_code(client):
    _signed_in(client, UserFactory(roles=[COORDINATOR]))
    page = client.get("/calendars/subscription/")
    body = page.content.decode()
    token_url = page.context["url"]
    assert token_url.endswith(".ics")
    assert page.context["webcal_url"] == "webcal://" + token_url.split("://", 1)[1]
    assert 'src="data:image/svg+xml' in body
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    assert client.get(token_url.split("testserver", 1)[1]).status_code == 200


def test_a_new_link_stops_the_old_one(learner_client):
    old = learner_client.get("/calendars/subscription/").context["url"]
    learner_client.post("/calendars/subscription/new-link/")
    new = learner_client.get("/calendars/subscription/").context["url"]
    assert new != old
    assert learner_client.get(old.split("testserver", 1)[1]).status_code == 404
    assert learner_client.get(new.split("testserver", 1)[1]).status_code == 200


def test_a_link_may_ask_for_any_distance_the_api_accepts(client):
    CourseFactory(title="Near", municipality=municipality("Gundelsheim"))
    CourseFactory(title="Far", municipality=municipality("Wüstenrot"))
    near = municipality("Bad Rappenau").pk
    response = client.get(f"/courses/?near={near}&radius_km=20")
    assert response.status_code == 200
    assert titles(response) == ["Near"]
    assert '<option value="20" selected>' in response.content.decode()
    refused = client.get(f"/courses/?near={near}&radius_km=500")
    assert refused.status_code == 200 and titles(refused) == []
