"""The office books by phone in a real phone-sized browser: a caller without
email is registered and booked onto a full course, lands on the waiting list
after the people already waiting, and when a place is later offered to them
the office finds the call to make on its call list, accepts the place for
her after the call and marks the call done."""

import pytest

from accounts.roles import COORDINATOR, LEARNER
from courses import services
from courses.constants import BookingStatus
from courses.notifications import Kind
from notifications.constants import Channel
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory, municipality
from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_caller_without_email_is_booked_by_phone_waits_in_order_and_is_called(
    page, sign_in, screenshot
):
    coordinator = UserFactory(roles=[COORDINATOR], preferred_language="en", full_name="Office")
    course = CourseFactory(title="Deutsch A1 Eppingen", seats=1,
                           municipality=municipality("Eppingen"))  # fmt: skip
    holder = services.book_course(course=course, learner=UserFactory(roles=[LEARNER]),
                                  children_ages=[])  # fmt: skip
    ahead = [
        services.book_course(course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[])
        for _ in range(2)
    ]
    assert {b.status for b in ahead} == {BookingStatus.WAITLISTED}
    sign_in(coordinator)

    page.goto(f"/manage/courses/{course.pk}/")
    page.fill("#id_full_name", "Samira Haddad")
    page.fill("#id_phone", "0711 123456")
    page.select_option("#id_preferred_language", "ar")
    page.select_option("#id_home_municipality", str(municipality("Eppingen").pk))
    page.click("#register-participant")
    page.wait_for_load_state()

    assert "Samira Haddad is registered." in page.inner_text(".messages")
    assert "Book for Samira Haddad" in page.inner_text("main")
    assert serious_accessibility_violations(page) == []
    page.fill("#id_children_ages_0", "4")
    page.click("#phone-book")
    page.wait_for_load_state()

    assert "Samira Haddad is number 3 on the waiting list." in page.inner_text(".messages")
    rows = page.locator("#waiting-list tbody tr")
    assert rows.count() == 3
    last = rows.nth(2).inner_text()
    assert last.startswith("3") and "Samira Haddad" in last
    assert "+49 711 123456" in last and "No email: the office calls" in last
    assert serious_accessibility_violations(page) == []
    screenshot("coordinator-phone-booking")

    # Later: the two ahead of her leave the list, then the place frees.
    for booking in ahead:
        services.cancel_booking(booking=booking, by=booking.learner)
    services.cancel_booking(booking=holder, by=holder.learner)
    samira = course.bookings.get(learner__full_name="Samira Haddad")
    assert samira.status == BookingStatus.OFFERED
    assert not Notification.objects.filter(recipient=samira.learner, channel=Channel.EMAIL)

    page.goto("/dashboard/")
    assert page.inner_text("#open-calls").startswith("1")
    page.click("summary")  # the menu
    page.click("nav >> text=Calls to make")
    page.wait_for_load_state()
    call = Notification.objects.get(recipient=samira.learner, channel=Channel.OFFICE_CALL)
    assert call.kind == Kind.OFFER_MADE
    card = page.locator(f"#call-{call.pk}")
    text = card.inner_text()
    assert "Samira Haddad" in text and "+49 711 123456" in text and "Arabic" in text
    assert "A place in the course Deutsch A1 Eppingen is free for you." in text
    assert serious_accessibility_violations(page) == []
    screenshot("coordinator-call-list")

    # She says yes on the phone: the office accepts the place for her.
    card.locator("text=Open the course").click()
    page.wait_for_load_state()
    page.click(f"#accept-{samira.pk}")
    page.wait_for_load_state()
    assert "The place of Samira Haddad is confirmed." in page.inner_text(".messages")
    samira.refresh_from_db()
    assert samira.status == BookingStatus.CONFIRMED

    page.goto("/manage/calls/")
    page.locator(f"#call-{call.pk} button").click()
    page.wait_for_load_state()
    assert "The call to Samira Haddad is marked done." in page.inner_text(".messages")
    assert "Nobody to call right now." in page.inner_text("main")
    call.refresh_from_db()
    assert call.done_by == coordinator and call.done_at is not None
