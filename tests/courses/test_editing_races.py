"""Raising the seats of a full course while learners rush to book it, through
real HTTP against PostgreSQL: the edit takes the course's lock like a booking
(the one lock order), so the places never exceed the seats, nobody gets a 500
or a 503, and the new places go to the waiting list in order."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts.roles import COORDINATOR, LEARNER
from courses import services
from courses.constants import HOLDING_STATUSES, BookingStatus
from courses.models import Booking, Course

from ..factories import CourseFactory, UserFactory
from .test_rush import session_token, widened_race_window  # noqa: F401  (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LEARNERS = 12
NEW_SEATS = 5


def test_seats_raised_during_a_booking_rush_never_give_more_places_than_seats(
    live_server,
    settings,
    widened_race_window,  # noqa: F811
):
    settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS = 30
    course = CourseFactory(seats=1, childcare_places=0, childcare_min_age=None,
                           childcare_max_age=None)  # fmt: skip
    services.book_course(course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[])
    early = [
        services.book_course(course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[])
        for _ in range(2)
    ]
    tokens = [session_token(UserFactory(roles=[LEARNER])) for _ in range(LEARNERS)]
    office = session_token(UserFactory(roles=[COORDINATOR]))
    start = threading.Barrier(LEARNERS + 1)
    url = f"{live_server.url}/api/v1/courses/{course.pk}/"

    def learner(token):
        with requests.Session() as http:
            start.wait(timeout=30)
            return http.post(f"{url}bookings/", json={"children_ages": []},
                             headers={"X-Session-Token": token}, timeout=60)  # fmt: skip

    def coordinator():
        with requests.Session() as http:
            start.wait(timeout=30)
            return http.patch(url, json={"seats": NEW_SEATS},
                              headers={"X-Session-Token": office}, timeout=60)  # fmt: skip

    with ThreadPoolExecutor(max_workers=LEARNERS + 1) as pool:
        edit = pool.submit(coordinator)
        bookings = list(pool.map(learner, tokens))
    assert edit.result().status_code == 200, edit.result().content
    assert {r.status_code for r in bookings} == {201}
    assert Course.objects.get(pk=course.pk).seats == NEW_SEATS
    holding = Booking.objects.filter(course=course, status__in=HOLDING_STATUSES).count()
    assert holding == NEW_SEATS
    # the two who waited before the rush were first in line for the new places
    statuses = {b.status for b in Booking.objects.filter(pk__in=[b.pk for b in early])}
    assert statuses == {BookingStatus.OFFERED}
