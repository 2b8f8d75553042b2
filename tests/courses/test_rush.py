"""A rush of simultaneous bookings through real HTTP against PostgreSQL.

The live server answers each request in its own thread with its own database
connection, exactly as gunicorn workers would. To make the race reliable
rather than lucky, every request pauses for a moment right after it has read
the availability (the window in which an unlocked check-then-insert
oversells). With the capacity lock the pause only makes requests queue up;
with locking switched off (the control) the same rush oversells.
"""

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from accounts.roles import LEARNER
from courses import locking, selectors, services
from courses.constants import BookingStatus
from courses.locking import capacity_lock_key
from courses.models import Booking
from courses.notifications import Kind
from notifications.constants import Channel
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

SEATS = 5
LEARNERS = 30
RACE_WINDOW_SECONDS = 0.05


def session_token(user) -> str:
    """An allauth app session token is a Django session key of a signed-in session."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return session.session_key


@pytest.fixture
def widened_race_window(monkeypatch):
    """A pause after the read that decides (under the course's lock, if any)."""
    original = services.lock_and_read_booking_state

    def read_then_pause(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(RACE_WINDOW_SECONDS)
        return result

    monkeypatch.setattr(services, "lock_and_read_booking_state", read_then_pause)


def rush(url: str, tokens: list[str], headers: dict | None = None) -> list[requests.Response]:
    start = threading.Barrier(len(tokens))

    def one(token):
        with requests.Session() as http:
            start.wait(timeout=30)
            return http.post(
                url,
                json={"children_ages": []},
                headers={"X-Session-Token": token, **(headers or {})},
                timeout=60,
            )

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(one, tokens))


@pytest.fixture
def rush_setup(settings):
    settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS = 30
    course = CourseFactory(seats=SEATS, childcare_places=0, childcare_min_age=None,
                           childcare_max_age=None)  # fmt: skip
    tokens = [session_token(UserFactory(roles=[LEARNER])) for _ in range(LEARNERS)]
    return course, tokens


def test_simultaneous_bookings_never_exceed_the_seats(live_server, rush_setup, widened_race_window):
    course, tokens = rush_setup
    responses = rush(f"{live_server.url}/api/v1/courses/{course.pk}/bookings/", tokens)

    assert Counter(r.status_code for r in responses) == {201: LEARNERS}
    statuses = Counter(r.json()["status"] for r in responses)
    assert statuses == {"confirmed": SEATS, "waitlisted": LEARNERS - SEATS}
    assert Booking.objects.filter(course=course, status=BookingStatus.CONFIRMED).count() == SEATS
    positions = sorted(
        r.json()["waitlist_position"] for r in responses if r.json()["status"] == "waitlisted"
    )
    assert positions == list(range(1, LEARNERS - SEATS + 1))


def test_control_without_the_capacity_lock_the_same_rush_oversells(
    live_server, rush_setup, widened_race_window, settings
):
    settings.KURSLOTSE_CAPACITY_LOCKING = False
    course, tokens = rush_setup
    rush(f"{live_server.url}/api/v1/courses/{course.pk}/bookings/", tokens)

    confirmed = Booking.objects.filter(course=course, status=BookingStatus.CONFIRMED).count()
    assert confirmed > SEATS, "the control must show the oversell that locking prevents"


def test_simultaneous_retries_with_one_idempotency_key_make_one_booking(live_server, rush_setup):
    course, tokens = rush_setup
    same_person = [tokens[0]] * 8
    responses = rush(
        f"{live_server.url}/api/v1/courses/{course.pk}/bookings/",
        same_person,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert Booking.objects.filter(course=course).count() == 1


def test_a_lock_held_too_long_answers_busy_and_books_nothing(live_server, rush_setup, settings):
    settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS = 0.3
    course, tokens = rush_setup
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as holder, holder.transaction():
        holder.execute("SELECT pg_advisory_xact_lock(%s)", [capacity_lock_key(course.pk)])
        response = requests.post(
            f"{live_server.url}/api/v1/courses/{course.pk}/bookings/",
            json={"children_ages": []},
            headers={"X-Session-Token": tokens[0]},
            timeout=30,
        )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json()["error"]["code"] == "busy"
    assert not Booking.objects.filter(course=course).exists()


def test_joiners_share_the_course_lock_and_seat_takers_wait_for_it(live_server, settings):
    """Another transaction holds the course lock shared, as a joiner of the
    waiting list does: a booking that can only wait goes through at once, one
    that would take a seat waits for it (here: answers busy)."""
    settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS = 0.3
    full = CourseFactory(seats=1, childcare_places=0, childcare_min_age=None,
                         childcare_max_age=None)  # fmt: skip
    services.book_course(course=full, learner=UserFactory(roles=[LEARNER]), children_ages=[])
    free = CourseFactory(seats=1, childcare_places=0, childcare_min_age=None,
                         childcare_max_age=None)  # fmt: skip
    tokens = [session_token(UserFactory(roles=[LEARNER])) for _ in range(2)]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as holder, holder.transaction():
        for course in (full, free):
            holder.execute(
                "SELECT pg_advisory_xact_lock_shared(%s)", [capacity_lock_key(course.pk)]
            )
        joined, took = (
            requests.post(
                f"{live_server.url}/api/v1/courses/{course.pk}/bookings/",
                json={"children_ages": []},
                headers={"X-Session-Token": token},
                timeout=30,
            )
            for course, token in ((full, tokens[0]), (free, tokens[1]))
        )
    assert joined.status_code == 201
    assert joined.json()["status"] == "waitlisted"
    assert joined.json()["waitlist_position"] == 1
    assert took.status_code == 503
    assert took.json()["error"]["code"] == "busy"
    assert not Booking.objects.filter(course=free).exists()


def test_every_joiner_is_told_its_true_place_in_line(live_server, rush_setup, widened_race_window):
    """The position in each answer and in each notification is the one the
    waiting list has once the rush is over (``selectors.WAITING_ORDER``): the
    joiners were stamped in the order of their turns, so nobody who went later
    stands ahead of somebody who went earlier."""
    course, tokens = rush_setup
    responses = rush(f"{live_server.url}/api/v1/courses/{course.pk}/bookings/", tokens)

    told = {r.json()["id"]: r.json()["waitlist_position"] for r in responses
            if r.json()["status"] == "waitlisted"}  # fmt: skip
    in_line = dict(
        selectors.with_waitlist_position(selectors.waiting_list(course.pk)).values_list(
            "pk", "waitlist_position"
        )
    )
    assert told == in_line
    notified = {
        int(n.idempotency_key.split(":")[2]): n.payload["position"]
        for n in Notification.objects.filter(
            kind=Kind.BOOKING_WAITLISTED, channel=Channel.INBOX, recipient__bookings__course=course
        )
    }
    assert notified == in_line


def test_the_waiting_list_is_in_the_order_of_the_turns(live_server, settings, monkeypatch):
    """The waiting list is ordered by ``created_at``, and a joiner's time is
    read before its turn on the course row comes. One that asked first but
    got its turn last (held up in between) still stands behind the one that
    went before it, and each is told the place it has."""
    settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS = 30
    course = CourseFactory(seats=1, childcare_places=0, childcare_min_age=None,
                           childcare_max_age=None)  # fmt: skip
    services.book_course(course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[])
    first, second = (session_token(UserFactory(roles=[LEARNER])) for _ in range(2))
    held_up, original = threading.Event(), locking.lock_waiting_list

    def hold_up_the_first(*args, **kwargs):
        if not held_up.is_set():
            held_up.set()
            time.sleep(0.5)  # the second joiner takes its turn meanwhile
        return original(*args, **kwargs)

    monkeypatch.setattr(locking, "lock_waiting_list", hold_up_the_first)

    def book(token):
        return requests.post(
            f"{live_server.url}/api/v1/courses/{course.pk}/bookings/",
            json={"children_ages": []},
            headers={"X-Session-Token": token},
            timeout=30,
        )

    with ThreadPoolExecutor(max_workers=1) as pool:
        asked_first = pool.submit(book, first)
        assert held_up.wait(timeout=20)
        went_first = book(second).json()
        asked_first = asked_first.result().json()
    assert (went_first["waitlist_position"], asked_first["waitlist_position"]) == (1, 2)
    in_line = list(selectors.waiting_list(course.pk).values_list("pk", flat=True))
    assert in_line == [went_first["id"], asked_first["id"]]
