"""Editing a course after it is published — through the API, the edit page and
the admin, all through ``services.update_course``: places raised go to the
waiting list at once (first that fits), places below what is taken and
childcare that would leave out a booked child are refused (409, nothing
changed), weekdays and times change the sessions from today on, participants
get one updated invitation per change, and every change is logged.

Time is frozen on Friday 15 January 2027, 10:00; the course runs on Mondays
and Wednesdays from 4 January to 29 March 2027.
"""

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.roles import COORDINATOR, LEARNER
from courses import services
from courses.constants import BookingStatus, SessionStatus
from courses.models import Booking, Course, CourseChange, CourseSession
from courses.notifications import Kind
from notifications.models import Notification
from notifications.texts import render

from ..calendars.helpers import BERLIN
from ..factories import CourseFactory, UserFactory, VenueFactory, municipality

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 1, 15, 10, 0, tzinfo=BERLIN)
TODAY = NOW.date()
MONDAY, WEDNESDAY, THURSDAY = 0, 2, 3


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_course(**fields) -> Course:
    values = {
        "starts_on": dt.date(2027, 1, 4), "ends_on": dt.date(2027, 3, 29),
        "weekdays": [MONDAY, WEDNESDAY], "start_time": dt.time(9), "end_time": dt.time(11, 30),
        "seats": 2, "childcare_places": 2, "childcare_min_age": 1, "childcare_max_age": 6,
    }  # fmt: skip
    values.update(fields)
    return CourseFactory(**values)


def book(course, ages=(), **user) -> Booking:
    learner = UserFactory(roles=[LEARNER], **user)
    return services.book_course(course=course, learner=learner, children_ages=list(ages))


def office(language="en") -> Client:
    client = Client()
    client.user = UserFactory(roles=[COORDINATOR], preferred_language=language)
    client.force_login(client.user)
    return client


def patch(client, course, body):
    return client.patch(f"/api/v1/courses/{course.pk}/", body, content_type="application/json")


def offers():
    return list(
        Notification.objects.filter(kind=Kind.OFFER_MADE, channel="inbox")
        .order_by("pk")
        .values_list("recipient_id", flat=True)
    )


def course_changed_rows():
    return Notification.objects.filter(kind=Kind.COURSE_CHANGED, channel="inbox")


def snapshot(course) -> tuple:
    """Everything a refused edit must leave as it was."""
    course = Course.objects.get(pk=course.pk)
    sessions = list(course.sessions.values_list("pk", "date", "status", "sequence", "start_time"))
    bookings = list(course.bookings.values_list("pk", "status"))
    return (
        course.seats, course.childcare_places, course.childcare_min_age, course.title,
        course.weekdays, course.calendar_sequence, sessions, bookings,
        CourseChange.objects.count(), Notification.objects.count(),
    )  # fmt: skip


# --- The API ------------------------------------------------------------------------------


def test_a_coordinator_changes_details_with_patch_and_the_change_is_logged():
    course = make_course(title="Deutsch A1")
    venue = VenueFactory(name="Rathaus", municipality=municipality("Eppingen"))
    client = office()
    response = patch(client, course, {"title": "Deutsch A1 am Vormittag", "venue": venue.pk,
                                      "helper_languages": ["ar", "uk"], "offer_hours": 24})  # fmt: skip
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["title"] == "Deutsch A1 am Vormittag"
    # the municipality follows the venue
    assert data["municipality"] == municipality("Eppingen").pk
    (change,) = CourseChange.objects.filter(course=course)
    assert change.by == client.user
    assert {item["field"] for item in change.changes} == {
        "title", "venue", "municipality", "helper_languages", "offer_hours",
    }  # fmt: skip
    log = client.get(f"/api/v1/courses/{course.pk}/changes/").json()
    assert log["count"] == 1
    items = {item["field"]: item for item in log["results"][0]["changes"]}
    assert items["title"] == {"field": "title", "label": "title", "old": "Deutsch A1",
                              "new": "Deutsch A1 am Vormittag"}  # fmt: skip
    assert items["helper_languages"]["new"] == "Arabic, Ukrainian"
    assert items["municipality"]["old"] == "Bad Rappenau"
    assert log["results"][0]["by_name"] == change.by.get_full_name()


def test_fields_fixed_at_creation_are_refused_by_name_and_nothing_changes():
    course = make_course()
    before = snapshot(course)
    body = {"title": "Neu", "level": "B2", "format": "online", "starts_on": "2027-01-05",
            "ends_on": "2027-04-30", "status": "draft", "municipality": municipality("Eppingen").pk}  # fmt: skip
    response = patch(office(), course, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"level", "format", "starts_on", "ends_on", "status",
                                    "municipality"}  # fmt: skip
    assert "venue" in error["fields"]["municipality"]
    assert snapshot(course) == before


def test_shape_errors_and_model_rules_are_400_on_their_field():
    course = make_course()
    before = snapshot(course)
    client = office()
    assert patch(client, course, {"weekdays": [7]}).status_code == 400
    assert patch(client, course, {"weekdays": []}).status_code == 400
    response = patch(client, course, {"start_time": "12:00", "end_time": "11:00"})
    assert response.status_code == 400
    assert "end_time" in response.json()["error"]["fields"]
    response = patch(client, course, {"childcare_min_age": 7, "childcare_max_age": 3})
    assert "childcare_max_age" in response.json()["error"]["fields"]
    assert snapshot(course) == before


def test_there_is_no_put_only_patch():
    course = make_course()
    response = office().put(
        f"/api/v1/courses/{course.pk}/", {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 405  # the route has no PUT
    assert Course.objects.get(pk=course.pk).title == course.title
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))
    operations = schema["paths"]["/api/v1/courses/{id}/"]
    assert "patch" in operations and "put" not in operations
    assert "409" in operations["patch"]["responses"]


def test_fewer_seats_than_taken_is_409_saying_how_many_and_changes_nothing():
    course = make_course(seats=3)
    book(course), book(course)
    before = snapshot(course)
    response = patch(office(), course, {"seats": 1, "title": "Kleiner"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "capacity_below_taken"
    assert "2" in error["message"] and list(error["fields"]) == ["seats"]
    assert snapshot(course) == before
    # exactly as many as taken is fine
    assert patch(office(), course, {"seats": 2}).status_code == 200


def test_an_offered_place_counts_as_taken():
    course = make_course(seats=2)
    holder, _, waiting = book(course), book(course), book(course)
    services.cancel_booking(booking=holder, by=holder.learner)
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.OFFERED
    response = patch(office(), course, {"seats": 1})
    assert response.status_code == 409
    assert "Seats taken (confirmed or offered): 2." in response.json()["error"]["message"]


def test_fewer_childcare_places_than_taken_is_409_on_that_field():
    course = make_course(childcare_places=3)
    book(course, [2, 4])
    before = snapshot(course)
    response = patch(office(), course, {"childcare_places": 1})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "capacity_below_taken"
    assert "2" in error["message"] and list(error["fields"]) == ["childcare_places"]
    assert snapshot(course) == before


def test_childcare_that_would_leave_out_a_waiting_child_is_409_and_changes_nothing():
    course = make_course(seats=1, childcare_places=2, childcare_min_age=1, childcare_max_age=6)
    book(course)
    waiting = book(course, [1])
    assert waiting.status == BookingStatus.WAITLISTED
    before = snapshot(course)
    client = office()
    response = patch(client, course, {"childcare_min_age": 3})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "children_no_longer_fit"
    assert list(error["fields"]) == ["childcare_min_age"] and "1" in error["message"]
    # no childcare at all would leave the child out too
    response = patch(client, course, {"childcare_places": 0, "childcare_min_age": None,
                                      "childcare_max_age": None})  # fmt: skip
    assert response.json()["error"]["code"] == "children_no_longer_fit"
    assert "childcare_places" in response.json()["error"]["fields"]
    assert snapshot(course) == before
    # widening is fine
    assert patch(client, course, {"childcare_max_age": 8}).status_code == 200


def test_more_seats_go_to_the_waiting_list_at_once_first_that_fits():
    course = make_course(seats=2, childcare_places=2)
    book(course, [2, 3]), book(course)  # full; childcare full too
    needs_childcare = book(course, [4])
    no_children = book(course)
    also_no_children = book(course)
    last = book(course)
    assert {b.status for b in (needs_childcare, no_children, also_no_children, last)} == {
        BookingStatus.WAITLISTED
    }
    response = patch(office(), course, {"seats": 4})
    assert response.status_code == 200
    assert response.json()["seats_left"] == 0
    # the parent is skipped (no childcare place free) but keeps their place in line
    assert offers() == [no_children.learner_id, also_no_children.learner_id]
    statuses = dict(Booking.objects.filter(course=course).values_list("pk", "status"))
    assert statuses[needs_childcare.pk] == statuses[last.pk] == BookingStatus.WAITLISTED
    # one more childcare place and one more seat: the parent is next
    assert patch(office(), course, {"seats": 5, "childcare_places": 3}).status_code == 200
    assert offers()[-1] == needs_childcare.learner_id
    assert Booking.objects.get(pk=last.pk).status == BookingStatus.WAITLISTED


def test_a_cancelled_course_cannot_be_changed():
    course = make_course()
    services.cancel_course(course=course, by=UserFactory(roles=[COORDINATOR]))
    response = patch(office(), course, {"title": "Wieder da"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "course_not_changeable"


# --- Weekdays and times ---------------------------------------------------------------------


def sessions_by_original_date(course) -> dict:
    return {s.original_date: s for s in CourseSession.objects.filter(course=course)}


def test_a_weekday_change_cancels_dropped_dates_and_adds_new_ones_from_today_on():
    course = make_course()
    confirmed = [book(course), book(course)]
    moved = services.move_session(
        session=course.sessions.get(original_date=dt.date(2027, 2, 3)),
        to_date=dt.date(2027, 2, 5), start_time=dt.time(9), end_time=dt.time(11, 30),
    )  # fmt: skip
    before = sessions_by_original_date(course)
    Notification.objects.all().delete()

    response = patch(office(), course, {"weekdays": [MONDAY, THURSDAY]})
    assert response.status_code == 200, response.content
    after = sessions_by_original_date(course)

    wednesdays = [d for d in before if d.weekday() == WEDNESDAY]
    for day in wednesdays:
        session = after[day]
        if day < TODAY:  # earlier sessions stay as they took place
            assert (session.status, session.sequence) == (SessionStatus.SCHEDULED, 0)
        elif day == moved.original_date:  # moved on its own: keeps its date
            assert (session.status, session.date) == (SessionStatus.SCHEDULED, dt.date(2027, 2, 5))
        else:  # cancelled, kept, with a note
            assert session.status == SessionStatus.CANCELLED
            assert session.sequence == before[day].sequence + 1 and session.note
    thursdays = sorted(d for d in after if d.weekday() == THURSDAY)
    expected = [TODAY + dt.timedelta(days=6 + 7 * week) for week in range(10)]
    assert thursdays == expected  # 21 January to 25 March, none before today
    assert all(after[d].start_time == dt.time(9) for d in thursdays)
    assert [d for d in after if d.weekday() == MONDAY] == [d for d in before if d.weekday() == 0]
    # one message per confirmed participant, naming the weekdays
    rows = course_changed_rows()
    assert sorted(r.recipient_id for r in rows) == sorted(b.learner_id for b in confirmed)
    assert {tuple(r.payload["changed"]) for r in rows} == {("weekdays",)}
    assert not Notification.objects.filter(kind=Kind.SESSION_CANCELLED).exists()
    log = CourseChange.objects.get(course=course).changes
    assert log == [{"field": "weekdays", "old": [0, 2], "new": [0, 3]}]


def test_taking_a_weekday_back_takes_its_cancelled_dates_up_again():
    course = make_course()
    client = office()
    assert patch(client, course, {"weekdays": [MONDAY]}).status_code == 200
    cancelled = course.sessions.filter(status=SessionStatus.CANCELLED)
    count = cancelled.count()
    assert count == 10
    response = patch(client, course, {"weekdays": [MONDAY, WEDNESDAY]})
    assert response.status_code == 200
    assert not course.sessions.filter(status=SessionStatus.CANCELLED).exists()
    revived = course.sessions.filter(original_date__gte=TODAY, original_date__week_day=4)
    assert revived.count() == count
    assert {(s.sequence, s.note) for s in revived} == {(2, "")}


def test_new_times_and_weekdays_together_send_one_message_per_participant():
    course = make_course()
    confirmed = book(course)
    Notification.objects.all().delete()
    response = patch(
        office(), course, {"weekdays": [1], "start_time": "17:00", "end_time": "19:00"}
    )
    assert response.status_code == 200
    (row,) = course_changed_rows()
    assert row.recipient_id == confirmed.learner_id
    assert row.payload["changed"] == ["times", "weekdays"]
    upcoming = course.sessions.filter(date__gte=TODAY, status=SessionStatus.SCHEDULED)
    assert {(s.date.weekday(), s.start_time) for s in upcoming} == {(1, dt.time(17))}
    past = course.sessions.filter(date__lt=TODAY)
    assert {s.start_time for s in past} == {dt.time(9)}
    lines = render(row.kind, row.payload, "en").lines
    assert "The next date: Tuesday, 19 January 2027, 17:00–19:00." in lines  # noqa: RUF001
    assert "the weekdays" in lines[0] and "the times" in lines[0]


def test_a_weekday_change_beyond_the_session_limit_is_refused_on_weekdays(monkeypatch):
    course = make_course()
    monkeypatch.setattr(services, "MAX_SESSIONS", 30)
    before = snapshot(course)
    response = patch(office(), course, {"weekdays": [0, 1, 2, 3, 4]})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["weekdays"]
    assert snapshot(course) == before


def test_a_session_moved_on_its_own_keeps_its_time_when_the_course_times_change():
    course = make_course()
    session = course.sessions.get(original_date=dt.date(2027, 2, 1))
    services.move_session(session=session, to_date=session.date, start_time=dt.time(14),
                          end_time=dt.time(16))  # fmt: skip
    patch(office(), course, {"start_time": "10:00", "end_time": "12:00"})
    session.refresh_from_db()
    assert (session.start_time, session.end_time) == (dt.time(14), dt.time(16))
    assert course.sessions.get(original_date=dt.date(2027, 2, 3)).start_time == dt.time(10)


# --- The notice of a moved session -----------------------------------------------------------


def test_a_moved_session_notice_says_old_and_new_date_and_time_in_the_readers_language():
    course = make_course()
    book(course)
    session = course.sessions.get(original_date=dt.date(2027, 2, 3))
    services.move_session(session=session, to_date=dt.date(2027, 2, 4), start_time=dt.time(17),
                          end_time=dt.time(19, 30))  # fmt: skip
    row = Notification.objects.get(kind=Kind.SESSION_MOVED, channel="inbox")
    assert row.payload["old_time"] == "09:00-11:30"
    english = render(row.kind, row.payload, "en").lines
    assert english[:2] == (
        "The course date on Wednesday, 3 February 2027, 09:00–11:30 has moved.",  # noqa: RUF001
        "New date: Thursday, 4 February 2027, 17:00–19:30.",  # noqa: RUF001
    )
    german = render(row.kind, row.payload, "de").lines
    assert "Mittwoch, 3. Februar 2027, 09:00–11:30 Uhr" in german[0]  # noqa: RUF001
    assert "Donnerstag, 4. Februar 2027, 17:00–19:30 Uhr" in german[1]  # noqa: RUF001
    ukrainian = render(row.kind, row.payload, "uk").lines
    assert "3 лютого 2027" in ukrainian[0] and "09:00–11:30" in ukrainian[0]  # noqa: RUF001


# --- Venue changes and the admin are logged too -----------------------------------------------


def test_a_renamed_venue_is_logged_on_its_courses():
    venue = VenueFactory(name="Bürgerhaus", municipality=municipality("Bad Rappenau"))
    course = make_course(venue=venue, municipality=venue.municipality)
    coordinator = UserFactory(roles=[COORDINATOR])
    services.update_venue(venue=venue, by=coordinator, name="Bürgerhaus am Markt")
    (change,) = CourseChange.objects.filter(course=course)
    assert change.by == coordinator
    assert change.changes == [{"field": "venue", "old": "Bürgerhaus, Hauptstraße 1, 74906",
                               "new": "Bürgerhaus am Markt, Hauptstraße 1, 74906"}]  # fmt: skip


def admin_form(client, course) -> dict:
    from .test_calendar_changes import _FormFields

    fields = _FormFields()
    fields.feed(client.get(f"/admin/courses/course/{course.pk}/change/").content.decode())
    data = dict(fields.data)
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_the_admin_saves_through_the_same_service(django_capture_on_commit_callbacks):
    course = make_course(seats=1)
    book(course)
    waiting = book(course)
    client = office()
    url = f"/admin/courses/course/{course.pk}/change/"
    response = client.post(url, {**admin_form(client, course), "seats": "0"})
    assert response.status_code == 200 and b"errornote" in response.content  # a seat at least
    response = client.post(url, {**admin_form(client, course), "seats": "2"})
    assert response.status_code == 302
    assert Booking.objects.get(pk=waiting.pk).status == BookingStatus.OFFERED
    change = CourseChange.objects.get(course=course)
    assert change.changes == [{"field": "seats", "old": 1, "new": 2}]
    # below what is taken: said on the page, nothing saved
    response = client.post(url, {**admin_form(client, course), "seats": "1"}, follow=True)
    assert "Seats taken (confirmed or offered): 2." in response.content.decode()
    course.refresh_from_db()
    assert course.seats == 2 and CourseChange.objects.filter(course=course).count() == 1


# --- The pages --------------------------------------------------------------------------------


def edit_form(course, **changes) -> dict:
    data = {
        "title": course.title, "description": course.description,
        "what_to_bring": course.what_to_bring, "provider": course.provider_id or "",
        "venue": course.venue_id or "", "online_meeting_link": course.online_meeting_link,
        "seats": course.seats, "childcare_places": course.childcare_places,
        "childcare_min_age": "" if course.childcare_min_age is None else course.childcare_min_age,
        "childcare_max_age": "" if course.childcare_max_age is None else course.childcare_max_age,
        "helper_languages": course.helper_languages,
        "registration_deadline": course.registration_deadline or "",
        "offer_hours": course.offer_hours, "weekdays": course.weekdays,
        "start_time": f"{course.start_time:%H:%M}", "end_time": f"{course.end_time:%H:%M}",
    }  # fmt: skip
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_the_edit_page_shows_the_course_and_saves_a_weekday_change():
    course = make_course()
    client = office()
    page = client.get(f"/manage/courses/{course.pk}/edit/")
    assert page.status_code == 200
    assert page.context["form"].initial["seats"] == 2
    assert (
        f'href="/manage/courses/{course.pk}/edit/"'
        in client.get(f"/manage/courses/{course.pk}/").content.decode()
    )
    response = client.post(
        f"/manage/courses/{course.pk}/edit/", edit_form(course, weekdays=[0, 3]), follow=True
    )
    assert response.redirect_chain[-1][0] == f"/manage/courses/{course.pk}/"
    text = response.content.decode()
    assert "The changes are saved. Dates cancelled: 10. Dates added: 10." in text
    course.refresh_from_db()
    assert course.weekdays == [0, 3]


def test_the_edit_page_puts_a_refusal_on_its_field_and_changes_nothing():
    course = make_course(seats=3)
    book(course), book(course)
    before = snapshot(course)
    client = office()
    response = client.post(f"/manage/courses/{course.pk}/edit/", edit_form(course, seats=1))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Seats taken (confirmed or offered): 2." in errors["seats"][0]
    response = client.post(
        f"/manage/courses/{course.pk}/edit/", edit_form(course, start_time="12:00")
    )
    assert "end_time" in response.context["form"].errors
    response = client.post(
        f"/manage/courses/{course.pk}/edit/",
        edit_form(course, venue=VenueFactory(municipality=municipality("Eppingen")).pk,
                  weekdays=[]),
    )  # fmt: skip
    errors = response.context["form"].errors
    assert "weekdays" in errors and "venue" not in errors  # the municipality follows the venue
    assert snapshot(course) == before


def test_the_edit_page_raises_seats_and_says_who_was_offered():
    course = make_course(seats=1)
    book(course)
    waiting = book(course)
    response = office().post(
        f"/manage/courses/{course.pk}/edit/", edit_form(course, seats=2), follow=True
    )
    assert "Places offered to the waiting list: 1." in response.content.decode()
    assert Booking.objects.get(pk=waiting.pk).status == BookingStatus.OFFERED


def test_a_cancelled_course_has_no_edit_form():
    course = make_course()
    services.cancel_course(course=course, by=UserFactory(roles=[COORDINATOR]))
    page = office().get(f"/manage/courses/{course.pk}/edit/")
    assert page.status_code == 200
    assert "A cancelled course cannot be changed." in page.content.decode()
    assert b"course-edit-form" not in page.content


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_management_page_lists_changes_newest_first_at_a_bounded_cost():
    course = make_course(title="Deutsch A1")
    client = office()
    url = f"/manage/courses/{course.pk}/"
    for seats in (3, 4):
        assert patch(client, course, {"seats": seats}).status_code == 200
    book(course), book(course, [3])
    few = count_queries(client, url)
    page = client.get(url)
    shown = page.context["changes"]
    assert [c.items[0]["new"] for c in shown] == ["4", "3"]  # newest first
    text = page.content.decode()
    assert "seats: 3 → 4" in text and shown[0].by.get_full_name() in text
    for seats in range(5, 30):
        patch(client, course, {"seats": seats})
    for _ in range(5):
        book(course)
    assert count_queries(client, url) == few
    page = client.get(url)
    assert len(page.context["changes"]) == 20 and page.context["more_changes"]
    assert "Only the latest 20 changes are shown." in page.content.decode()
