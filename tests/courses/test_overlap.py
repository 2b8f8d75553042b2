"""A learner cannot book, by mistake, two courses that meet at the same time:
``409 overlaps_booking`` names the other course unless the request says
``confirm_overlap``; the learner's page and the office's phone booking ask in
plain words. The rule is one query in ``courses.services.book_course``."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import LEARNER
from courses import selectors, services
from courses.constants import BookingStatus
from courses.models import Booking

from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def monday_course(title, start=dt.time(9, 0), end=dt.time(11, 30), **fields):
    """Mondays for four weeks from next Monday (whatever today is)."""
    today = timezone.localdate()
    first = today + dt.timedelta(days=7 - today.weekday())
    fields = {"starts_on": first, "ends_on": first + dt.timedelta(weeks=3), "weekdays": [0],
              **fields}  # fmt: skip
    return CourseFactory(title=title, start_time=start, end_time=end, **fields)


def book(course, learner, **extra):
    return services.book_course(course=course, learner=learner, children_ages=[], **extra)


def test_the_api_refuses_an_overlapping_course_naming_it_then_books_when_confirmed(
    as_user, learner
):
    learner.preferred_language = "en"
    learner.save()
    book(monday_course("Deutsch A1 Montag"), learner)
    other = monday_course("Deutsch A2 Montag", start=dt.time(10, 0), end=dt.time(12, 0))
    client = as_user(learner)

    refused = client.post(f"/api/v1/courses/{other.pk}/bookings/", {}, format="json")

    assert refused.status_code == 409, refused.content
    error = refused.json()["error"]
    assert error["code"] == "overlaps_booking"
    assert "“Deutsch A1 Montag”" in error["message"] and "Book anyway?" in error["message"]
    assert not other.bookings.exists()
    booked = client.post(
        f"/api/v1/courses/{other.pk}/bookings/", {"confirm_overlap": True}, format="json"
    )
    assert booked.status_code == 201, booked.content


@pytest.mark.parametrize(
    ("start", "end", "weekdays", "overlaps"),
    [
        (dt.time(11, 0), dt.time(12, 0), [0], True),  # intersects the end
        (dt.time(8, 0), dt.time(13, 0), [0], True),  # contains it
        (dt.time(11, 30), dt.time(13, 0), [0], False),  # starts when the other ends
        (dt.time(7, 0), dt.time(9, 0), [0], False),  # ends when the other starts
        (dt.time(9, 0), dt.time(11, 30), [1], False),  # another day
    ],
)
def test_sessions_overlap_only_on_the_same_day_with_intersecting_times(
    learner, start, end, weekdays, overlaps
):
    book(monday_course("A"), learner)
    other = monday_course("B", start=start, end=end, weekdays=weekdays)
    if overlaps:
        with pytest.raises(services.OverlapsBooking):
            book(other, learner)
    else:
        assert book(other, learner).status == BookingStatus.CONFIRMED


def test_a_course_one_waits_for_counts_one_left_or_a_cancelled_date_does_not(learner):
    full = monday_course("Voll", seats=1)
    book(full, UserFactory(roles=[LEARNER]))
    waiting = book(full, learner)
    assert waiting.status == BookingStatus.WAITLISTED
    with pytest.raises(services.OverlapsBooking):
        book(monday_course("B"), learner)

    services.cancel_booking(booking=waiting, by=learner)
    assert book(monday_course("C"), learner).status == BookingStatus.CONFIRMED

    # D meets on one Monday only; C's session that day is cancelled.
    c_course = learner.bookings.get(course__title="C").course
    first = c_course.sessions.order_by("date").first()
    services.cancel_session(session=first)
    only_then = monday_course("D", ends_on=first.date, starts_on=first.date)
    assert book(only_then, learner).status == BookingStatus.CONFIRMED


def test_dates_already_past_do_not_count(learner):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    ended = monday_course("Vorbei", starts_on=monday - dt.timedelta(weeks=4),
                          ends_on=monday - dt.timedelta(days=1))  # fmt: skip
    # Booked while it ran (registration has closed since).
    Booking.objects.create(course=ended, learner=learner, status=BookingStatus.CONFIRMED,
                           confirmed_at=timezone.now())  # fmt: skip
    running = monday_course("Läuft", starts_on=monday - dt.timedelta(weeks=4),
                            ends_on=monday + dt.timedelta(weeks=2))  # fmt: skip
    assert book(running, learner).status == BookingStatus.CONFIRMED


def test_the_check_is_one_query_whatever_the_number_of_sessions(learner):
    for n in range(3):
        book(CourseFactory(title=f"Abend {n}", weekdays=[1, 3], start_time=dt.time(18, 0),
                           end_time=dt.time(20, 0)), learner, confirm_overlap=True)  # fmt: skip
    today = timezone.localdate()
    long = CourseFactory(weekdays=[0, 1, 2, 3, 4], ends_on=today + dt.timedelta(weeks=30))
    assert long.sessions.count() > 100
    with CaptureQueriesContext(connection) as queries:
        assert selectors.overlapping_booking(long, learner.pk, today) is None
    assert len(queries) == 1


def test_the_learners_page_asks_in_plain_words_then_books_anyway(client, learner):
    learner.preferred_language = "en"
    learner.save()
    client.force_login(learner)
    book(monday_course("Deutsch A1 Montag"), learner)
    other = monday_course("Deutsch A2 Montag")

    asked = client.post(f"/courses/{other.pk}/book/", {"children_ages_0": "3"})

    page = asked.content.decode()
    assert asked.status_code == 200
    assert "This course meets at the same time as “Deutsch A1 Montag”" in page
    assert "Book anyway" in page
    assert 'name="confirm_overlap" value="True"' in page
    assert 'name="children_ages_0" value="3"' in page  # what they typed is kept
    assert not other.bookings.exists()

    client.post(f"/courses/{other.pk}/book/", {"children_ages_0": "3", "confirm_overlap": "True"})
    assert other.bookings.get().children_ages == [3]


def test_the_office_is_asked_too_when_booking_for_a_caller(client, coordinator):
    coordinator.preferred_language = "en"
    coordinator.save()
    client.force_login(coordinator)
    person = UserFactory(roles=[LEARNER])
    book(monday_course("Deutsch A1 Montag"), person)
    other = monday_course("Deutsch A2 Montag")

    asked = client.post(f"/manage/courses/{other.pk}/book/", {"learner": person.pk})

    page = asked.content.decode()
    assert "This course meets at the same time as “Deutsch A1 Montag”" in page
    assert 'id="phone-book">Book anyway' in page
    assert not other.bookings.exists()
    client.post(f"/manage/courses/{other.pk}/book/",
                {"learner": person.pk, "confirm_overlap": "True"})  # fmt: skip
    assert other.bookings.get().learner == person
