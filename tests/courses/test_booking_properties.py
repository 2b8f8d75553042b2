"""Property test: whatever learners and coordinators do, in whatever order,
capacity holds and the waiting list is served in order.

Hypothesis draws sequences of bookings (with random children), cancellations,
offer acceptances and offer expiries against a small course, and after every
step checks the invariants from the database.
"""

import datetime as dt

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.roles import COORDINATOR, LEARNER
from common.errors import DomainError
from courses import services
from courses.constants import HOLDING_STATUSES, BookingStatus
from courses.models import Booking

from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db

LEARNERS = 4

# Mostly children the course takes, sometimes ages or numbers it refuses.
children_ages = st.lists(st.integers(1, 6), max_size=2) | st.lists(st.integers(0, 9), max_size=3)

step = st.one_of(
    st.tuples(st.just("book"), st.integers(0, LEARNERS - 1), children_ages),
    st.tuples(st.just("cancel"), st.integers(0, LEARNERS - 1), st.booleans()),
    st.tuples(st.just("accept"), st.integers(0, LEARNERS - 1), st.none()),
    st.tuples(st.just("expire"), st.integers(1, 72), st.none()),
)


def check_invariants(course):
    holding = Booking.objects.filter(course=course, status__in=HOLDING_STATUSES)
    seats_taken = holding.count()
    childcare_taken = holding.aggregate(n=Sum("childcare_places"))["n"] or 0
    assert seats_taken <= course.seats
    assert childcare_taken <= course.childcare_places
    seats_left = course.seats - seats_taken
    childcare_left = course.childcare_places - childcare_taken
    if seats_left > 0:
        # No one who would fit is left waiting while places are free.
        waiting = Booking.objects.filter(course=course, status=BookingStatus.WAITLISTED)
        assert not waiting.filter(childcare_places__lte=childcare_left).exists()
    offered = Booking.objects.filter(course=course, status=BookingStatus.OFFERED)
    assert not offered.filter(offer_expires_at__isnull=True).exists()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# A parent needing two childcare places waits; a seat frees, but only one
# childcare place is free: the parent must not get the offer.
@example(steps=[("book", 0, [2]), ("book", 1, [3, 4]), ("book", 2, []), ("cancel", 2, False)])
# An offer runs out and the place moves on to the next in line.
@example(steps=[("book", 0, []), ("book", 1, []), ("book", 2, []), ("cancel", 0, True),
                ("expire", 30, None), ("accept", 1, None), ("accept", 2, None)])  # fmt: skip
@given(steps=st.lists(step, min_size=1, max_size=20))
def test_capacity_and_waiting_list_invariants_hold_for_any_sequence(steps):
    course = CourseFactory(seats=2, childcare_places=2, childcare_min_age=1, childcare_max_age=6,
                           offer_hours=24)  # fmt: skip
    learners = [UserFactory(roles=[LEARNER]) for _ in range(LEARNERS)]
    coordinator = UserFactory(roles=[COORDINATOR])
    clock = timezone.now()
    with time_machine.travel(clock, tick=False) as traveller:
        for action, who, extra in steps:
            try:
                if action == "book":
                    services.book_course(course=course, learner=learners[who], children_ages=extra)
                elif action == "expire":
                    traveller.shift(dt.timedelta(hours=who))
                    services.expire_stale_offers()
                else:
                    booking = Booking.objects.filter(course=course, learner=learners[who]).last()
                    if booking is None:
                        continue
                    if action == "cancel":
                        by = coordinator if extra else learners[who]
                        services.cancel_booking(booking=booking, by=by)
                    else:
                        services.accept_offer(booking=booking, by=learners[who])
            except DomainError:
                pass  # a refused step must change nothing; the invariants say so
            check_invariants(course)
