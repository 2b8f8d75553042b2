"""Dates beyond sense are refused by the services, through every door: a
course longer than MAX_COURSE_DAYS or with more than MAX_SESSIONS sessions,
ending beyond MAX_DAYS_AHEAD, a session moved into the past or years ahead.
Time is frozen, so the expectations hold on any day."""

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest
import time_machine

from courses import services
from courses.constants import MAX_COURSE_DAYS, MAX_DAYS_AHEAD, MAX_SESSIONS
from courses.models import Course, CourseSession
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory, course_fields, municipality

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 3, 10)  # a Wednesday


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2027, 3, 10, 10, tzinfo=ZoneInfo("Europe/Berlin"))):
        yield


def api_course(**overrides):
    start = TODAY + dt.timedelta(days=14)
    body = {"title": "Deutsch B1", "level": "B1", "format": "in_person",
            "municipality": municipality().pk, "seats": 10, "childcare_places": 0,
            "starts_on": start.isoformat(), "ends_on": (start + dt.timedelta(weeks=6)).isoformat(),
            "weekdays": [0], "start_time": "18:00", "end_time": "20:00"}  # fmt: skip
    body.update(overrides)
    return body


def test_a_two_thousand_year_daily_course_is_refused_at_once(as_user, coordinator):
    body = api_course(starts_on="2027-04-01", ends_on="4027-03-31", weekdays=list(range(7)))
    response = as_user(coordinator).post("/api/v1/courses/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert str(MAX_COURSE_DAYS) in error["fields"]["ends_on"]
    assert not Course.objects.exists() and not CourseSession.objects.exists()


def daily_span(start: dt.date, sessions: int) -> dt.date:
    """The last day of a daily course from ``start`` with exactly ``sessions``
    sessions, public holidays of Baden-Württemberg (none are kept) skipped."""
    closed = holidays.country_holidays("DE", subdiv="BW", years=[start.year, start.year + 1])
    day, count = start, 0
    while True:
        count += day not in closed
        if count == sessions:
            return day
        day += dt.timedelta(days=1)


def test_more_sessions_than_the_maximum_are_refused(as_user, coordinator):
    start = TODAY + dt.timedelta(days=1)
    # Every day for MAX_SESSIONS + 1 sessions: within MAX_COURSE_DAYS, but one session too many.
    ends = daily_span(start, MAX_SESSIONS + 1)
    body = api_course(
        starts_on=start.isoformat(), ends_on=ends.isoformat(), weekdays=list(range(7))
    )
    response = as_user(coordinator).post("/api/v1/courses/", body, format="json")
    assert response.status_code == 400
    assert f"{MAX_SESSIONS + 1}" in response.json()["error"]["fields"]["ends_on"]
    assert not Course.objects.exists()


def test_exactly_the_maximum_of_sessions_is_accepted():
    start = TODAY + dt.timedelta(days=1)
    course = services.create_course(**course_fields(
        starts_on=start, ends_on=daily_span(start, MAX_SESSIONS), weekdays=list(range(7)),
    ))  # fmt: skip
    assert course.sessions.count() == MAX_SESSIONS
    assert course.skipped_dates.count() > 0  # the holidays of the span


def test_a_course_ending_beyond_the_horizon_is_refused(as_user, coordinator):
    ends = TODAY + dt.timedelta(days=MAX_DAYS_AHEAD + 1)
    body = api_course(
        starts_on=(ends - dt.timedelta(days=30)).isoformat(), ends_on=ends.isoformat()
    )
    response = as_user(coordinator).post("/api/v1/courses/", body, format="json")
    assert response.status_code == 400
    assert "ends_on" in response.json()["error"]["fields"]


def test_the_course_page_shows_the_limit_on_its_field(client, coordinator):
    coordinator.preferred_language = "en"
    coordinator.save()
    client.force_login(coordinator)
    response = client.post("/manage/courses/new/", {
        "title": "Endlos", "level": "B1", "format": "in_person",
        "municipality": municipality().pk, "seats": "12", "childcare_places": "0",
        "starts_on": "2027-04-01", "ends_on": "9999-12-31", "weekdays": ["1"],
        "start_time": "18:00", "end_time": "20:00", "offer_hours": "48",
    })  # fmt: skip
    assert response.status_code == 200
    assert "A course may last at most" in str(response.context["form"].errors["ends_on"])
    assert not Course.objects.exists()


def _move(client, session, day):
    return client.post(f"/api/v1/sessions/{session.pk}/move/",
                       {"date": day, "start_time": "10:00", "end_time": "12:00"}, format="json")  # fmt: skip


BEYOND = (TODAY + dt.timedelta(days=MAX_DAYS_AHEAD + 1)).isoformat()


@pytest.mark.parametrize("day", ["9999-12-31", BEYOND, "2027-03-09", "2020-01-01"])
def test_a_session_moved_into_the_past_or_years_ahead_is_refused(as_user, coordinator, day):
    course = CourseFactory()
    services.book_course(course=course, learner=UserFactory(), children_ages=[])
    session = course.sessions.order_by("date").first()
    before = Notification.objects.count()
    response = _move(as_user(coordinator), session, day)
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "validation_error"
    assert "date" in response.json()["error"]["fields"]
    moved = CourseSession.objects.get(pk=session.pk)
    assert (moved.date, moved.sequence) == (session.date, 0)
    assert Notification.objects.count() == before


@pytest.mark.parametrize("days", [0, MAX_DAYS_AHEAD])
def test_a_session_moved_to_today_or_the_last_allowed_day_is_accepted(as_user, coordinator, days):
    session = CourseFactory().sessions.order_by("date").first()
    day = TODAY + dt.timedelta(days=days)
    response = _move(as_user(coordinator), session, day.isoformat())
    assert response.status_code == 200, response.json()
    assert response.json()["date"] == day.isoformat()


def test_the_move_page_shows_the_refusal_on_the_date(client, coordinator):
    coordinator.preferred_language = "en"
    coordinator.save()
    client.force_login(coordinator)
    session = CourseFactory().sessions.order_by("date").first()
    response = client.post(f"/manage/sessions/{session.pk}/move/",
                           {"date": "9999-12-31", "start_time": "10:00", "end_time": "12:00"})  # fmt: skip
    assert response.status_code == 200
    assert "Choose a date before" in str(response.context["form"].errors["date"])
    session.refresh_from_db()
    assert session.sequence == 0
