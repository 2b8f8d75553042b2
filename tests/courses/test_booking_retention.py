"""Retention of bookings (GDPR Art. 5(1)(e)): bookings of courses that ended
before the cutoff become anonymous records; the figures stay."""

import datetime as dt

import pytest
import time_machine

from accounts.models import AnonymousRecord
from accounts.roles import LEARNER
from courses import services
from courses.constants import BookingStatus
from courses.models import Attendance, Booking
from dashboard import selectors as dashboard
from dashboard.forms import Filters

from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_bookings_of_courses_ended_before_the_cutoff_are_anonymised_and_still_counted():
    with time_machine.travel(dt.datetime(2031, 3, 4, 9, tzinfo=dt.UTC), tick=False):
        old = CourseFactory(seats=1)  # ten weeks from 2031-03-10
        kept = CourseFactory(starts_on=dt.date(2031, 9, 1), ends_on=dt.date(2031, 11, 1))
        person = UserFactory(roles=[LEARNER], full_name="Nour Old")
        booking = services.book_course(course=old, learner=person, children_ages=[2, 5])
        services.book_course(course=old, learner=UserFactory(roles=[LEARNER]), children_ages=[])
        recent = services.book_course(course=kept, learner=person, children_ages=[])
        session = old.sessions.order_by("date").first()
        Attendance.objects.create(session=session, booking=booking, status="present",
                                  marked_at=dt.datetime(2031, 3, 10, 12, tzinfo=dt.UTC))  # fmt: skip
    period = Filters(start=dt.date(2031, 3, 1), end=dt.date(2031, 5, 31))
    before = {(r.course_pk, r.month): r.learners for r in dashboard.participants_by_month(period)}

    with time_machine.travel(dt.datetime(2033, 6, 1, 9, tzinfo=dt.UTC), tick=False):
        done = services.anonymise_bookings_of_courses_ended_before(cutoff=dt.date(2031, 6, 1))

    assert done == 2
    assert list(Booking.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Attendance.objects.exists()
    records = AnonymousRecord.objects.filter(kind="booking", course=old)
    assert sorted(records.values_list("outcome", "childcare_places", "month")) == [
        (BookingStatus.CONFIRMED, 2, dt.date(2031, 3, 1)),
        (BookingStatus.WAITLISTED, 0, dt.date(2031, 3, 1)),
    ]
    after = {(r.course_pk, r.month): r.learners for r in dashboard.participants_by_month(period)}
    assert after == before and after[(old.pk, dt.date(2031, 4, 1))] == 1
    # A second run finds nothing more to do.
    assert services.anonymise_bookings_of_courses_ended_before(cutoff=dt.date(2031, 6, 1)) == 0
