"""Races between paths that touch a course's capacity, on real PostgreSQL.

Learners cancel through real HTTP (the live server answers each request in its
own thread with its own database connection, as gunicorn workers would) while
the coordinator cancels the whole course, or while the offer-expiry job runs
in a thread of its own. Before there was one lock order, a learner's
cancellation locked the booking row and then the course's capacity lock, while
the course cancellation and the expiry took them the other way round:
PostgreSQL broke the cycle with ``deadlock detected`` and the request answered
500. To make the race reliable rather than lucky, every notification pauses
for a moment: the window between the two locks of each path.
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psycopg
import pytest
import requests
from django.db import connection
from django.utils import timezone

from accounts.roles import COORDINATOR, LEARNER
from courses import locking, services
from courses.constants import BookingStatus, CancelReason, CourseStatus
from courses.models import Booking
from courses.notifications import Kind
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory
from .test_rush import session_token

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

RACE_WINDOW_SECONDS = 0.05
# The expiry job pauses this long after taking the capacity lock: the moment in
# which the cancellations arrive (HTTP takes a few milliseconds to get there).
EXPIRY_PAUSE_SECONDS = 0.3


@pytest.fixture(autouse=True)
def widened_race_window(monkeypatch, settings):
    """Pause in every notification a course service queues, i.e. while its
    first locks are held. A lock wait that long is no "busy" here."""
    settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS = 30
    original = services.notify

    def notify_then_pause(**kwargs):
        rows = original(**kwargs)
        time.sleep(RACE_WINDOW_SECONDS)
        return rows

    monkeypatch.setattr(services, "notify", notify_then_pause)


def book(course, status: BookingStatus, **fields) -> tuple[Booking, str]:
    learner = UserFactory(roles=[LEARNER])
    booking = Booking.objects.create(
        course=course,
        learner=learner,
        status=status,
        confirmed_at=timezone.now() if status == BookingStatus.CONFIRMED else None,
        **fields,
    )
    return booking, session_token(learner)


def warm_up(live_server, token: str) -> None:
    """The first request imports the URL map and the API; do it before the race."""
    requests.get(f"{live_server.url}/api/v1/me/", headers={"X-Session-Token": token}, timeout=60)


def post_all(calls: list[tuple[str, str]]) -> list[requests.Response]:
    """POST each (url, token) at the same moment, each from its own thread."""
    start = threading.Barrier(len(calls))

    def one(call):
        url, token = call
        with requests.Session() as http:
            start.wait(timeout=30)
            return http.post(url, headers={"X-Session-Token": token}, timeout=120)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def test_learners_cancelling_while_the_course_is_cancelled_get_no_server_error(live_server):
    course = CourseFactory(seats=10, childcare_places=0, childcare_min_age=None,
                           childcare_max_age=None)  # fmt: skip
    confirmed = [book(course, BookingStatus.CONFIRMED) for _ in range(10)]
    waiting = [book(course, BookingStatus.WAITLISTED) for _ in range(5)]
    coordinator = session_token(UserFactory(roles=[COORDINATOR]))
    learners = confirmed + waiting
    calls = [(f"{live_server.url}/api/v1/courses/{course.pk}/cancel/", coordinator)]
    calls += [(f"{live_server.url}/api/v1/bookings/{b.pk}/cancel/", t) for b, t in learners]

    warm_up(live_server, coordinator)
    course_answer, *learner_answers = post_all(calls)

    assert course_answer.status_code == 200, course_answer.text
    assert Counter(r.status_code for r in learner_answers).keys() <= {200, 409}, [
        (r.status_code, r.text[:200]) for r in learner_answers if r.status_code not in (200, 409)
    ]
    course.refresh_from_db()
    assert course.status == CourseStatus.CANCELLED
    # Each learner's answer tells what happened to their booking: cancelled by
    # them (200) or, a moment earlier, with the course (409, nothing changed).
    for (booking, _token), answer in zip(learners, learner_answers, strict=True):
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        expected = {200: CancelReason.BY_LEARNER, 409: CancelReason.COURSE_CANCELLED}
        assert booking.cancel_reason == expected[answer.status_code]
        if answer.status_code == 409:
            assert answer.json()["error"]["code"] == "booking_not_active"
    assert not Booking.objects.filter(course=course).exclude(status=BookingStatus.CANCELLED)


def test_offer_expiry_racing_cancellations_gets_no_server_error_and_oversells_nothing(
    live_server, monkeypatch
):
    course = CourseFactory(seats=6, childcare_places=0, childcare_min_age=None,
                           childcare_max_age=None)  # fmt: skip
    now = timezone.now()
    past = now - timedelta(hours=1)
    confirmed = [book(course, BookingStatus.CONFIRMED) for _ in range(3)]
    offered = [
        book(course, BookingStatus.OFFERED, offered_at=past, offer_expires_at=past)
        for _ in range(3)
    ]
    waiting = [book(course, BookingStatus.WAITLISTED) for _ in range(6)]
    cancelling = confirmed + offered
    calls = [(f"{live_server.url}/api/v1/bookings/{b.pk}/cancel/", t) for b, t in cancelling]
    start = threading.Barrier(2)
    expiry_thread: list[threading.Thread] = []
    take_capacity = locking.lock_course_capacity

    def take_capacity_then_pause_in_the_expiry(course_ids):
        take_capacity(course_ids)
        if threading.current_thread() in expiry_thread:
            time.sleep(EXPIRY_PAUSE_SECONDS)

    monkeypatch.setattr(locking, "lock_course_capacity", take_capacity_then_pause_in_the_expiry)

    def expire() -> int:
        expiry_thread.append(threading.current_thread())
        try:
            start.wait(timeout=30)
            return services.expire_stale_offers(now=now)
        finally:
            connection.close()  # this thread's own connection

    def cancel_all() -> list[requests.Response]:
        start.wait(timeout=30)
        return post_all(calls)

    warm_up(live_server, calls[0][1])
    with ThreadPoolExecutor(max_workers=2) as pool:
        expiry, answers = pool.submit(expire), pool.submit(cancel_all)
        expired, answers = expiry.result(timeout=120), answers.result(timeout=120)

    assert Counter(r.status_code for r in answers).keys() <= {200, 409}, [
        (r.status_code, r.text[:200]) for r in answers if r.status_code not in (200, 409)
    ]
    for booking, _token in confirmed:
        booking.refresh_from_db()
        assert booking.cancel_reason == CancelReason.BY_LEARNER
    answer_of = dict(zip([b.pk for b, _ in cancelling], answers, strict=True))
    for booking, _token in offered:
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        expected = {200: CancelReason.BY_LEARNER, 409: CancelReason.OFFER_EXPIRED}
        assert booking.cancel_reason == expected[answer_of[booking.pk].status_code]
    expired_rows = Booking.objects.filter(course=course, cancel_reason=CancelReason.OFFER_EXPIRED)
    assert expired == expired_rows.count()
    # "Your offer expired" went exactly to those whose offer expired, once each.
    told = Notification.objects.filter(kind=Kind.OFFER_EXPIRED, channel="inbox")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        expired_rows.values_list("learner_id", flat=True)
    )
    # Every freed place went to the waiting list, and no more than there are.
    holding = Booking.objects.filter(course=course, status__in=services.HOLDING_STATUSES)
    assert holding.count() == course.seats
    assert set(holding.values_list("pk", flat=True)) == {b.pk for b, _ in waiting}


def test_offer_expiry_skips_a_busy_course_and_expires_the_others(settings, caplog):
    settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS = 0.3
    past = timezone.now() - timedelta(hours=1)
    busy, free = CourseFactory(), CourseFactory()
    busy_offer, _ = book(busy, BookingStatus.OFFERED, offered_at=past, offer_expires_at=past)
    free_offer, _ = book(free, BookingStatus.OFFERED, offered_at=past, offer_expires_at=past)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as holder, holder.transaction():
        holder.execute("SELECT pg_advisory_xact_lock(%s)", [locking.capacity_lock_key(busy.pk)])
        expired = services.expire_stale_offers()

    assert expired == 1
    busy_offer.refresh_from_db()
    free_offer.refresh_from_db()
    assert busy_offer.status == BookingStatus.OFFERED
    assert free_offer.cancel_reason == CancelReason.OFFER_EXPIRED
    assert f"Offers of course {busy.pk} not expired" in caplog.text
    assert services.expire_stale_offers() == 1, "the next run expires the busy course's offer"
