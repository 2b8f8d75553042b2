"""Issue 13 in a real phone-sized browser (360 px), in Arabic: a refused
booking says so at the top and takes the focus there; the start page leads
with the next session; what was opened last stays readable without signal;
the start page's first load stays under 150 KB; axe finds nothing serious."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from accounts.roles import LEARNER
from courses import services
from courses.models import Booking

from ..factories import CourseFactory, UserFactory, VenueFactory
from .conftest import phone_tab_of, serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def arabic(text: str) -> str:
    with translation.override("ar"):
        translated = gettext(text)
    assert re.search("[\u0600-\u06ff]", translated), translated  # really translated
    return translated


def in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.top >= 0 && box.top < window.innerHeight && box.bottom > 0;
        }""",
        selector,
    )


def arabic_learner():
    return UserFactory(roles=[LEARNER], preferred_language="ar", full_name="Amal Haddad")


def test_an_arabic_learner_sees_the_error_summary_after_a_refused_booking(
    page, sign_in, screenshot
):
    course = CourseFactory(title="Deutsch A1 mit Kinderbetreuung", childcare_places=3)
    sign_in(arabic_learner())
    page.goto(f"/courses/{course.pk}/")
    assert page.viewport_size["width"] == 360
    page.fill("#id_children_ages_0", "3")
    page.fill("#id_children_ages_1", "9")  # childcare is for ages 1 to 6
    page.click("#book")
    page.wait_for_load_state()

    summary = page.locator("[data-error-summary]")
    assert arabic("There is a problem") in summary.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert in_viewport(page, "[data-error-summary]")
    assert page.get_attribute("html", "dir") == "rtl"
    # Only the refused box is invalid, and the summary's link lands on it.
    invalid = page.eval_on_selector_all("[aria-invalid=true]", "boxes => boxes.map(b => b.id)")
    assert invalid == ["id_children_ages_1"]
    assert serious_accessibility_violations(page) == []
    screenshot("refused-booking-ar")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_children_ages_1"
    assert in_viewport(page, "#id_children_ages_1")
    assert not Booking.objects.exists()


def test_an_arabic_learner_finds_the_next_session_first(page, sign_in, screenshot):
    learner = arabic_learner()
    venue = VenueFactory(name="Bürgerhaus", street="Marktplatz 3",
                         getting_there="Bus 61 bis Rathaus, 2 Minuten zu Fuß.")  # fmt: skip
    course = CourseFactory(title="Deutsch A1 am Vormittag", venue=venue,
                           what_to_bring="Heft und Stift")  # fmt: skip
    services.book_course(course=course, learner=learner, children_ages=[])
    sign_in(learner)  # a learner's start page is their bookings
    page.goto("/")
    first = page.locator("main h1, main h2, main h3").first
    assert first.inner_text() == arabic("Your next session")
    assert in_viewport(page, "#next-session-heading")
    section = page.inner_text("#next-session")
    assert "Marktplatz 3" in section and "Bus 61" in section and "Heft und Stift" in section
    assert page.locator("#next-session a.next-session__directions").count() == 1
    assert serious_accessibility_violations(page) == []
    screenshot("next-session-ar")


def test_bookings_stay_readable_without_signal_until_sign_out(page, sign_in, screenshot):
    learner = arabic_learner()
    course = CourseFactory(title="Deutsch A2 Abendkurs", level="A2")
    services.book_course(course=course, learner=learner, children_ages=[])
    sign_in(learner)
    page.goto("/bookings/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()  # this load goes through the worker, which keeps a copy
    page.goto(f"/courses/{course.pk}/")
    page.goto("/bookings/")

    page.context.set_offline(True)
    page.reload()
    assert "Deutsch A2 Abendkurs" in page.inner_text("main")
    page.goto(f"/courses/{course.pk}/")
    assert "Deutsch A2 Abendkurs" in page.inner_text("h1")
    page.goto("/coaching/")  # never opened: the offline page, in her language
    assert arabic("No connection") in page.inner_text("h1")
    screenshot("offline-ar")

    page.context.set_offline(False)
    page.goto("/bookings/")
    page.click("details.site-menu summary")
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_load_state()
    kept = page.evaluate("caches.keys()")
    assert kept == [], kept


def test_the_start_page_first_load_transfers_under_150_kb(browser, live_server):
    learner = arabic_learner()
    for number in range(6):
        course = CourseFactory(title=f"Deutsch A1 Gruppe {number}", weekdays=[number % 5],
                               helper_languages=["ar", "fa"])  # fmt: skip
        services.book_course(course=course, learner=learner, children_ages=[],
                             confirm_overlap=True)  # fmt: skip
    with phone_tab_of(browser, live_server, learner) as (tab, responses):
        tab.goto("/")
        tab.wait_for_load_state("networkidle")
        assert tab.locator("#next-session").count() == 1
        assert tab.locator(".booking").count() == 6
        total = sum(len(response.body()) for response in responses if response.status != 302)
    print(f"start page first load: {total} bytes in {len(responses)} responses")
    assert total < 150_000, f"{total} bytes"
