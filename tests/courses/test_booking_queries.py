"""What a booking costs in SQL statements, and what it holds the course's lock for.

Before issue 12 a booking over the API cost 27 statements on PostgreSQL, 16 of
them after the course lock (re-reading the course, the duplicate and overlap
checks, counting capacity, the position, the message's two reads, the
notification rows); the answer read the booking again. Now the checks and the
message come before the lock, and the answer is built from the new booking.
The message is kept per process for the course as it stands, so in a rush only
the first booking reads it. On PostgreSQL the lock, the read that decides
(the course, what is taken, the waiting list, the new booking's id) and then
one statement that writes the booking and its notification rows (for a joiner
with its turn in line and the list's length) are two round trips before
COMMIT; SQLite writes them one by one.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.roles import LEARNER
from courses import services
from courses.constants import BookingStatus
from courses.models import Course

from ..factories import CourseFactory, UserFactory

# notify() writes the learner's rows (inbox, email) in one INSERT (it was two
# get_or_create, 8 statements, before issue 12).
NOTIFY = 1


def booked_course(*, full: bool):
    """A course somebody booked already (so its message is kept), full or not."""
    course = CourseFactory(seats=1 if full else 2)
    services.book_course(course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[])
    return course


def full_course(**fields):
    course = CourseFactory(seats=1, **fields)
    services.book_course(course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[])
    return course


def post_booking(client, course):
    return client.post(
        f"/api/v1/courses/{course.pk}/bookings/", {"children_ages": []}, format="json"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("full", [False, True], ids=["confirmed", "waitlisted"])
def test_a_booking_over_the_api_costs_a_fixed_small_number_of_statements(
    as_user, full, django_assert_num_queries
):
    course = booked_course(full=full)
    client = as_user(UserFactory(roles=[LEARNER]))
    # The caller's roles and the view's course, the forecast, the overlap check
    # (the message is kept since the first booking); a savepoint, then on
    # PostgreSQL the lock with the state and the new id, and the one statement
    # (for a joiner sent with its turn in line); on SQLite the state, [the
    # list's length], the insert and the notification rows; the release.
    on_sqlite = 1 + (1 if full else 0) + 1 + NOTIFY
    under_lock = 1 + 1 if connection.vendor == "postgresql" else on_sqlite
    with django_assert_num_queries(4 + 1 + under_lock + 1):
        response = post_booking(client, course)
    assert response.status_code == 201
    assert response.json()["status"] == ("waitlisted" if full else "confirmed")


@pytest.mark.django_db
@pytest.mark.parametrize("full", [False, True], ids=["confirmed", "waitlisted"])
def test_the_answer_is_what_reading_the_booking_says(as_user, full):
    course = full_course() if full else CourseFactory(seats=1)
    client = as_user(UserFactory(roles=[LEARNER]))
    answer = post_booking(client, course).json()
    assert answer == client.get(f"/api/v1/bookings/{answer['id']}/").json()
    assert answer["waitlist_position"] == (1 if full else None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("full", [False, True], ids=["confirmed", "waitlisted"])
def test_the_course_lock_is_held_for_the_state_the_insert_and_the_notification(full):
    course = booked_course(full=full)
    learner = UserFactory(roles=[LEARNER])
    with CaptureQueriesContext(connection) as captured:
        booking = services.book_course(course=course, learner=learner, children_ages=[])
    statements = [q["sql"].strip() for q in captured.captured_queries]
    locked = next(i for i, sql in enumerate(statements) if "pg_advisory_xact_lock" in sql)
    assert ("_shared(" in statements[locked]) == full  # joiners share the course lock
    assert "nextval(" in statements[locked]  # the state and the new id, with the lock
    committed = statements.index("COMMIT")  # after it: handing the email row to the workers
    inside = statements[locked + 1 : committed]
    # One statement: for a joiner its turn (the course row) first, then the
    # list's length, the booking and the notification rows.
    assert len(inside) == 1, "\n".join(inside)
    (written,) = inside
    assert ("FOR NO KEY UPDATE" in written) == full
    assert 'INSERT INTO "courses_booking"' in written
    assert 'INSERT INTO "notifications_notification"' in written
    expected = BookingStatus.WAITLISTED if full else BookingStatus.CONFIRMED
    assert booking.status == expected


@pytest.mark.django_db
def test_a_place_freed_after_the_forecast_is_taken_not_waited_for(monkeypatch):
    """The forecast says full, so the booking comes to join the waiting list;
    by the time it holds the lock a place is free: it takes it."""
    course = CourseFactory(seats=1)
    holder = UserFactory(roles=[LEARNER])
    held = services.book_course(course=course, learner=holder, children_ages=[])
    original = services.read_booking_state
    calls = []

    def forecast_then_cancel(*args, **kwargs):
        state = original(*args, **kwargs)
        calls.append(state)
        if len(calls) == 1:  # between the forecast and the lock
            with transaction.atomic():
                services.cancel_booking(booking=held, by=holder)
        return state

    monkeypatch.setattr(services, "read_booking_state", forecast_then_cancel)
    booking = services.book_course(
        course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[]
    )
    assert calls[0].seats_left == 0
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.waitlist_position is None


@pytest.mark.django_db
def test_a_course_changed_after_the_forecast_is_named_as_it_is_now(monkeypatch):
    from courses.notifications import Kind
    from notifications.models import Notification

    course = CourseFactory(seats=2, title="Old title")
    coordinator = UserFactory(roles=["coordinator"])
    original = services.read_booking_state
    calls = []

    def forecast_then_rename(*args, **kwargs):
        calls.append(1)
        state = original(*args, **kwargs)
        if len(calls) == 1:
            services.update_course(course=course, by=coordinator, title="New title")
        return state

    monkeypatch.setattr(services, "read_booking_state", forecast_then_rename)
    learner = UserFactory(roles=[LEARNER])
    booking = services.book_course(course=course, learner=learner, children_ages=[])
    told = Notification.objects.get(recipient=learner, kind=Kind.BOOKING_CONFIRMED, channel="inbox")
    assert told.payload["title"] == "New title"
    assert booking.course.title == "New title"


# --- The message kept per process ------------------------------------------------------


def _told(learner, kind):
    from notifications.models import Notification

    return Notification.objects.get(recipient=learner, kind=kind, channel="inbox").payload


@pytest.mark.django_db
def test_the_kept_message_names_a_session_moved_under_a_stopped_clock():
    """Nothing but the session's sequence says it moved when the clock stands
    still (every ``updated_at`` is the same): the next booking still names the
    new time."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from courses.constants import SessionStatus
    from courses.notifications import Kind

    with time_machine.travel(timezone.now(), tick=False):
        course = CourseFactory(seats=5)
        first = UserFactory(roles=[LEARNER])
        services.book_course(course=course, learner=first, children_ages=[])
        session = course.sessions.filter(status=SessionStatus.SCHEDULED).order_by("date").first()
        assert _told(first, Kind.BOOKING_CONFIRMED)["time"] == "09:00-11:30"
        services.move_session(
            session=session, to_date=session.date, start_time=dt.time(14, 0),
            end_time=dt.time(15, 30),
        )  # fmt: skip
        second = UserFactory(roles=[LEARNER])
        services.book_course(course=course, learner=second, children_ages=[])
    assert _told(second, Kind.BOOKING_CONFIRMED)["time"] == "14:00-15:30"


@pytest.mark.django_db
def test_the_kept_message_names_a_renamed_venue():
    from courses.notifications import Kind

    from ..factories import VenueFactory

    venue = VenueFactory(name="Bürgerhaus")
    course = CourseFactory(seats=5, venue=venue)
    first = UserFactory(roles=[LEARNER])
    services.book_course(course=course, learner=first, children_ages=[])
    services.update_venue(venue=venue, by=UserFactory(roles=["coordinator"]), name="Rathaus")
    course = Course.objects.select_related("venue__municipality").get(pk=course.pk)  # a new request
    second = UserFactory(roles=[LEARNER])
    services.book_course(course=course, learner=second, children_ages=[])
    assert _told(first, Kind.BOOKING_CONFIRMED)["place"].startswith("Bürgerhaus, ")
    assert _told(second, Kind.BOOKING_CONFIRMED)["place"].startswith("Rathaus, ")
