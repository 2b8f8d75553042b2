"""The demo district loaded by ``make run``."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from courses.constants import HOLDING_STATUSES, BookingStatus
from courses.models import Booking, Course

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_a_realistic_district_that_obeys_the_booking_rules(capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "coordinator@kurslotse.example" in output
    assert "kurslotse-demo" in output

    assert 35 <= Course.objects.count() <= 45
    assert Course.objects.filter(format="online", level="B2").exists()
    assert Course.objects.filter(childcare_places__gt=0).count() >= 10
    assert Booking.objects.filter(status=BookingStatus.WAITLISTED).exists()
    assert Booking.objects.filter(status=BookingStatus.OFFERED).exists()
    holding = Q(bookings__status__in=HOLDING_STATUSES)
    for course in Course.objects.annotate(
        seats_taken=Count("bookings", filter=holding),
        childcare_taken=Sum("bookings__childcare_places", filter=holding),
    ):
        assert course.seats_taken <= course.seats
        assert (course.childcare_taken or 0) <= course.childcare_places

    demo = Booking.objects.filter(learner__email="learner@kurslotse.example")
    assert set(demo.values_list("status", flat=True)) == {"confirmed", "waitlisted", "offered"}

    from coaching.models import CoachingRequest, CoachProfile, Mentorship
    from coaching.services import start_matching_run

    assert CoachProfile.objects.count() >= 5
    assert CoachingRequest.objects.filter(status="open").count() >= 10
    mentorship = Mentorship.objects.get()
    assert mentorship.coach.email == "jobcoach@kurslotse.example"
    assert mentorship.meetings.exists() and mentorship.notes.exists()
    coordinator = get_user_model().objects.get(email="coordinator@kurslotse.example")
    run = start_matching_run(by=coordinator)
    assert run.proposals.exists()
    assert run.unmatched.exists()

    from courses.models import Attendance
    from courses.selectors import absence_flags, courses_taught_by

    teacher = get_user_model().objects.get(email="teacher@kurslotse.example")
    taught = list(courses_taught_by(teacher))
    assert len(taught) == 2
    assert Attendance.objects.filter(session__course__in=taught, marked_by=teacher).exists()
    assert len(absence_flags(Booking.objects.filter(course__in=taught))) >= 1

    courses_before = Course.objects.count()
    call_command("seed_demo")
    assert "already loaded" in capsys.readouterr().out
    assert Course.objects.count() == courses_before
