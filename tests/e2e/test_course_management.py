"""A coordinator runs a course in a real phone-sized browser: creates it (as a
draft), publishes it, moves one date and cancels another; the manage pages
have no serious accessibility violations."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import COORDINATOR, LEARNER
from courses import services
from courses.constants import CourseStatus, SessionStatus
from courses.models import Course
from courses.notifications import Kind
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory, municipality
from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_coordinator_creates_publishes_and_changes_dates_of_a_course(page, sign_in, screenshot):
    coordinator = UserFactory(roles=[COORDINATOR], preferred_language="en")
    CourseFactory(title="Deutsch A1 vormittags")
    CourseFactory(title="Deutsch A2 Entwurf", level="A2", status=CourseStatus.DRAFT)
    sign_in(coordinator)

    page.goto("/manage/courses/")
    assert serious_accessibility_violations(page) == []
    screenshot("coordinator-courses")

    page.click("text=New course")
    start = timezone.localdate() + dt.timedelta(days=14)
    page.fill("#id_title", "Deutsch B1 am Abend")
    page.select_option("#id_level", "B1")
    page.select_option("#id_format", "in_person")
    page.select_option("#id_municipality", str(municipality("Eppingen").pk))
    page.fill("#id_seats", "12")
    page.fill("#id_childcare_places", "0")
    page.check("input[name=helper_languages][value=ar]")
    page.fill("#id_starts_on", start.isoformat())
    page.fill("#id_ends_on", (start + dt.timedelta(weeks=4)).isoformat())
    page.check("input[name=weekdays][value='1']")
    page.check("input[name=weekdays][value='3']")
    page.fill("#id_start_time", "18:00")
    page.fill("#id_end_time", "20:00")
    assert serious_accessibility_violations(page) == []
    page.click("#course-form button[type=submit]")
    page.wait_for_load_state()

    course = Course.objects.get(title="Deutsch B1 am Abend")
    assert course.status == CourseStatus.DRAFT
    assert page.url.endswith(f"/manage/courses/{course.pk}/")
    page.click("#publish")
    page.wait_for_load_state()
    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED

    # A learner books, so the changes below are announced to someone.
    learner = UserFactory(roles=[LEARNER])
    services.book_course(course=course, learner=learner, children_ages=[])
    first, second = course.sessions.order_by("date")[:2]

    page.reload()
    page.click(f"#session-{first.pk} a[href$='/move/']")
    new_day = first.date + dt.timedelta(days=1)
    page.fill("#id_date", new_day.isoformat())
    page.fill("#id_start_time", "17:00")
    page.fill("#id_end_time", "19:00")
    page.fill("#id_note", "Raum 2")
    assert serious_accessibility_violations(page) == []
    page.click("#move")
    page.wait_for_load_state()
    assert "The date is moved." in page.inner_text(".messages")

    page.click(f"#session-{second.pk} a[href$='/cancel/']")
    page.fill("#id_note", "Die Lehrerin ist krank.")
    page.click("#cancel-session")
    page.wait_for_load_state()
    assert "The date is cancelled." in page.inner_text(".messages")
    assert "Cancelled" in page.inner_text(f"#session-{second.pk}")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.date, first.start_time, first.note) == (new_day, dt.time(17, 0), "Raum 2")
    assert second.status == SessionStatus.CANCELLED
    kinds = set(Notification.objects.filter(recipient=learner).values_list("kind", flat=True))
    assert {Kind.SESSION_MOVED, Kind.SESSION_CANCELLED} <= kinds

    assert serious_accessibility_violations(page) == []
    screenshot("coordinator-course")


def test_coordinator_cancels_a_whole_course_after_confirming(page, sign_in):
    coordinator = UserFactory(roles=[COORDINATOR], preferred_language="en")
    course = CourseFactory(title="Deutsch A1 nachmittags")
    learner = UserFactory(roles=[LEARNER])
    services.book_course(course=course, learner=learner, children_ages=[2])
    sign_in(coordinator)

    page.goto(f"/manage/courses/{course.pk}/")
    page.click("text=Cancel the course")
    assert "1 person has a place" in page.inner_text("main")
    assert serious_accessibility_violations(page) == []
    page.click("#confirm-cancel")
    page.wait_for_load_state()
    course.refresh_from_db()
    assert course.status == CourseStatus.CANCELLED
    assert Notification.objects.filter(recipient=learner, kind=Kind.COURSE_CANCELLED).exists()
