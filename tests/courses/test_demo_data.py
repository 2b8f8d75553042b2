"""The demo district loaded by ``make run``."""

import holidays
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from courses.constants import HOLDING_STATUSES, BookingStatus, SkipReason
from courses.models import Booking, Closure, Course, CourseSession, SkippedDate

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

    # The school holidays are district closures; every course was planned around
    # them and the public holidays, and says so with the reasons.
    names = set(Closure.objects.values_list("name", flat=True))
    assert {"Weihnachtsferien", "Osterferien", "Pfingstferien", "Sommerferien"} <= names
    closed = [(c.first_day, c.last_day) for c in Closure.objects.all()]
    sessions = CourseSession.objects.values_list("original_date", flat=True)
    assert not [d for d in sessions if any(first <= d <= last for first, last in closed)]
    assert not [d for d in sessions if d in holidays.country_holidays("DE", subdiv="BW",
                                                                      years=d.year)]  # fmt: skip
    assert SkippedDate.objects.filter(reason=SkipReason.CLOSURE).exists()

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
