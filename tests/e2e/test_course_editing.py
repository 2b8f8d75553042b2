"""A coordinator raises the seats of a full course on its edit page in a real
phone-sized browser, and the first learner on the waiting list gets the
offer by email at once — a real SMTP server receives it — while the next one
keeps waiting. The change is on the course's management page."""

import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from django.utils import translation
from django.utils.translation import gettext

from accounts.roles import COORDINATOR, LEARNER
from courses import services
from courses.constants import BookingStatus
from courses.models import Booking

from ..factories import CourseFactory, UserFactory
from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def mail_to(catcher, address: str, timeout: float = 10.0) -> list:
    """The messages the SMTP catcher received for ``address`` (waiting a little for them)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            message_from_bytes(envelope.content, policy=default_policy)
            for envelope in list(catcher.messages)
            if address in envelope.rcpt_tos
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_more_seats_on_a_full_course_send_the_first_waiting_learner_an_offer_email(
    page, sign_in, smtp, screenshot
):
    catcher = smtp()
    coordinator = UserFactory(roles=[COORDINATOR], preferred_language="en")
    course = CourseFactory(title="Deutsch A2 am Abend", level="A2", seats=1, childcare_places=0,
                           childcare_min_age=None, childcare_max_age=None)  # fmt: skip
    services.book_course(course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[])
    first = UserFactory(roles=[LEARNER], preferred_language="de", email="first@example.org")
    second = UserFactory(roles=[LEARNER], preferred_language="de", email="second@example.org")
    waiting = [
        services.book_course(course=course, learner=learner, children_ages=[])
        for learner in (first, second)
    ]
    assert {b.status for b in waiting} == {BookingStatus.WAITLISTED}
    catcher.messages.clear()  # the booking confirmations and waiting-list letters

    sign_in(coordinator)
    page.goto(f"/manage/courses/{course.pk}/")
    page.click("#edit-course")
    assert page.input_value("#id_seats") == "1"
    page.fill("#id_seats", "2")
    assert serious_accessibility_violations(page) == []
    screenshot("coordinator-course-edit")
    page.click("#save-course")
    page.wait_for_load_state()

    assert page.url.endswith(f"/manage/courses/{course.pk}/")
    said = page.inner_text(".messages")
    assert "The changes are saved." in said and "Places offered to the waiting list: 1." in said
    assert "seats: 1 → 2" in page.inner_text("#changes ~ .table-wrap")
    assert serious_accessibility_violations(page) == []

    (offer,) = mail_to(catcher, first.email)
    with translation.override("de"):
        subject = gettext("A place is free for you: %(title)s") % {"title": course.title}
    assert offer["Subject"] == subject
    body = offer.get_body(preferencelist=("plain",)).get_content()
    assert course.title in body
    assert Booking.objects.get(pk=waiting[0].pk).status == BookingStatus.OFFERED
    assert Booking.objects.get(pk=waiting[1].pk).status == BookingStatus.WAITLISTED
    assert mail_to(catcher, second.email, timeout=0) == []
