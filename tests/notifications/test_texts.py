"""The words of booking confirmations: the right date and where it is."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from courses import services
from courses.notifications import Kind
from notifications.models import Notification
from notifications.texts import render

from ..factories import CourseFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


def _confirmation_lines(course, learner):
    services.book_course(course=course, learner=learner, children_ages=[])
    row = Notification.objects.get(recipient=learner, kind=Kind.BOOKING_CONFIRMED, channel="inbox")
    return render(row.kind, row.payload, "de").lines


def test_a_new_course_names_its_first_date_and_place():
    venue = VenueFactory(name="Bürgerhaus")
    course = CourseFactory(venue=venue, municipality=venue.municipality)
    lines = _confirmation_lines(course, UserFactory(roles=["learner"]))
    assert any(line.startswith("Der erste Termin:") and "Bürgerhaus" in line for line in lines)


def test_a_course_already_running_names_its_next_date_not_a_past_one():
    course = CourseFactory()
    sessions = list(course.sessions.order_by("date"))
    later = timezone.make_aware(dt.datetime.combine(sessions[2].date, dt.time(6)))
    with time_machine.travel(later, tick=False):
        lines = _confirmation_lines(course, UserFactory(roles=["learner"]))
    next_date = [line for line in lines if line.startswith("Der nächste Termin:")]
    assert len(next_date) == 1
    assert str(sessions[2].date.day) in next_date[0]
