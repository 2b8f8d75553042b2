"""A learner finds and books courses in a real phone-sized browser: the waiting
list and an offer accepted in time, the whole booking flow without JavaScript,
accessibility of every learner page, and the weight of the search page."""

import re

import pytest
from django.utils import translation

from accounts.roles import LEARNER
from common import formatting
from courses import services
from courses.constants import BookingStatus
from courses.models import Booking

from ..factories import CourseFactory, UserFactory, municipality
from .conftest import PASSWORD, PHONE, phone_tab_of, serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def english_learner(**fields):
    return UserFactory(roles=[LEARNER], preferred_language="en", **fields)


def test_learner_waits_for_a_full_course_then_accepts_the_offered_place(page, sign_in):
    course = CourseFactory(title="Deutsch A1 kompakt", seats=1)
    holder = services.book_course(course=course, learner=UserFactory(roles=[LEARNER]),
                                  children_ages=[])  # fmt: skip
    learner = english_learner()
    sign_in(learner)

    page.goto(f"/courses/{course.pk}/")
    page.click("#book")
    page.wait_for_load_state()
    assert "on the waiting list at position 1" in page.inner_text(".outcome")
    # The focus is on the outcome (read out, in view), not left on the page.
    assert page.evaluate("document.activeElement.id") == "my-booking"

    services.cancel_booking(booking=holder, by=holder.learner)  # the holder drops out
    page.goto("/bookings/")
    booking = Booking.objects.get(course=course, learner=learner)
    with translation.override("en"):
        deadline = formatting.moment(booking.offer_expires_at)
    assert f"A place is free for you. Accept it by {deadline}" in page.inner_text(".outcome")

    page.click(f"#accept-{booking.pk}")
    page.wait_for_load_state()
    assert "Your place is confirmed." in page.inner_text(".outcome")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_booking_works_without_javascript(browser, live_server):
    course = CourseFactory(title="Deutsch A2 mit Kinderbetreuung", level="A2")
    learner = english_learner(home_municipality=municipality())
    context = browser.new_context(
        java_script_enabled=False, base_url=live_server.url, viewport=PHONE, locale="en-GB"
    )
    try:
        tab = context.new_page()
        tab.goto("/accounts/login/")
        tab.fill("input[name=login]", learner.email)
        tab.fill("input[name=password]", PASSWORD)
        tab.click("form button[type=submit]")

        tab.goto("/courses/")
        tab.select_option("#id_level", "A2")
        tab.click("form.search-form button[type=submit]")
        assert "level=A2" in tab.url
        tab.click(f"a[href='/courses/{course.pk}/']")
        tab.fill("#id_children_ages_0", "4")
        tab.click("#book")
        assert "Your place is confirmed." in tab.inner_text(".outcome")
    finally:
        context.close()
    booking = Booking.objects.get(course=course, learner=learner)
    assert (booking.status, booking.children_ages) == (BookingStatus.CONFIRMED, [4])


def test_learner_pages_have_no_serious_accessibility_violations(page, sign_in, screenshot):
    home = municipality()
    for number in range(3):
        CourseFactory(title=f"Deutsch A{number % 2 + 1} Gruppe {number}",
                      helper_languages=["ar", "uk"])  # fmt: skip
    course = CourseFactory(title="Deutsch B1 am Abend", level="B1", childcare_places=0,
                           childcare_min_age=None, childcare_max_age=None)  # fmt: skip
    learner = english_learner(home_municipality=home)
    services.book_course(course=CourseFactory(title="Deutsch A1 Intensiv"), learner=learner,
                         children_ages=[3])  # fmt: skip
    sign_in(learner)

    page.goto("/courses/")
    assert serious_accessibility_violations(page) == []
    screenshot("learner-search")
    # htmx: a filter updates the results in place and the address.
    page.select_option("#id_level", "B1")
    page.wait_for_url(re.compile(r"level=B1"))
    page.wait_for_function("document.querySelectorAll('#results .course-card').length === 1")
    assert page.inner_text("#result-count").strip() == "1 course found"

    page.goto(f"/courses/{course.pk}/")
    assert serious_accessibility_violations(page) == []
    screenshot("learner-course")

    page.goto("/bookings/")
    assert serious_accessibility_violations(page) == []
    screenshot("learner-bookings")

    page.goto("/calendars/subscription/")
    assert page.get_attribute("#subscribe", "href").startswith("webcal://")
    assert page.get_attribute("img.qr", "src").startswith("data:image/svg+xml")
    assert serious_accessibility_violations(page) == []
    screenshot("learner-calendar")


def test_search_page_first_load_transfers_under_150_kb(browser, live_server):
    learner = english_learner(home_municipality=municipality())
    for number in range(25):
        CourseFactory(title=f"Deutsch A1 Gruppe {number}", helper_languages=["ar", "fa"])
    with phone_tab_of(browser, live_server, learner) as (tab, responses):
        tab.goto("/courses/")
        tab.wait_for_load_state("networkidle")
        assert tab.locator(".course-card").count() == 20  # a full first page
        total = sum(len(response.body()) for response in responses)
    print(f"search page first load: {total} bytes in {len(responses)} responses")
    assert total < 150_000, f"{total} bytes"
