"""A learner who reads Arabic signs up, confirms the address from a real email,
and books a course with childcare — the whole way in Arabic, right to left."""

import re
from email import message_from_bytes

import pytest
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from courses.constants import BookingStatus
from courses.models import Booking

from ..factories import CourseFactory

pytestmark = pytest.mark.django_db(transaction=True)


def confirmation_link(catcher) -> str:
    """The verification link from the one email the SMTP catcher received."""
    (envelope,) = catcher.messages
    message = message_from_bytes(envelope.content)
    text = next(
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", text).group(0)


def test_learner_signs_up_and_books_with_childcare_in_arabic(page, smtp, screenshot):
    catcher = smtp()
    course = CourseFactory(title="Deutsch A1 mit Kinderbetreuung", childcare_places=3)

    page.goto("/")
    page.select_option("#language-select", "ar")
    page.click(".language-switcher button")
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"

    page.goto("/accounts/signup/")
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("input[name=email]", "amal@example.org")
    page.fill("input[name=password1]", "sesam-oeffne-dich-42")
    page.fill("input[name=password2]", "sesam-oeffne-dich-42")
    page.fill("input[name=full_name]", "Amal Haddad")
    page.check("input[name=email_notifications]")  # the optional consent to email messages
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    screenshot("signup-verify-ar")

    page.goto(confirmation_link(catcher))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    # Confirmed in the browser she signed up in: she is signed in, no password asked again.
    page.goto("/accounts/login/")
    assert page.locator("input[name=login]").count() == 0, page.url
    learner = User.objects.get(email="amal@example.org")
    assert learner.preferred_language == "ar"  # chosen before signing up, kept
    assert learner.full_name == "Amal Haddad" and learner.notification_channels == ["email"]

    page.goto(f"/courses/{course.pk}/")
    assert page.get_attribute("html", "lang") == "ar"
    page.fill("#id_children_ages_0", "3")
    page.click("#book")
    page.wait_for_load_state()
    with translation.override("ar"):
        confirmed = gettext("Your place is confirmed.")
    outcome = page.inner_text(".outcome")
    assert confirmed in outcome
    # Arabic script, not the German fallback Django uses for a missing message.
    assert re.search("[\u0600-\u06ff]", confirmed), confirmed
    assert page.get_attribute("html", "dir") == "rtl"
    screenshot("learner-booked-ar")

    booking = Booking.objects.get(course=course, learner=learner)
    assert (booking.status, booking.children_ages) == (BookingStatus.CONFIRMED, [3])
    # The confirmation went out by email too, in Arabic.
    assert len(catcher.messages) >= 1
