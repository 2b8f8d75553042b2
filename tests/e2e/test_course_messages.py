"""A coordinator writes to everyone in a course from its page, in a real
phone-sized browser: the confirmation says how many people it reaches, and
the email arrives at a real SMTP server in each recipient's own language
around the typed text."""

from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.utils import translation
from django.utils.translation import gettext

from accounts.roles import COORDINATOR, LEARNER
from courses import services
from courses.models import CourseMessage

from ..factories import CourseFactory, UserFactory
from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)

SUBJECT = "Neuer Raum ab Montag"
BODY = "Liebe Teilnehmende,\nab Montag sind wir in Raum 2 im ersten Stock.\nBis bald!"


def parts(envelope) -> tuple[str, str, str]:
    """(recipient, subject, plain text) of a caught email."""
    message = message_from_bytes(envelope.content)
    text = next(
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    return message["To"], str(make_header(decode_header(message["Subject"]))), text


def test_coordinator_writes_to_everyone_and_the_email_arrives_in_their_language(
    page, sign_in, smtp, screenshot
):
    catcher = smtp()
    course = CourseFactory(title="Deutsch A2 am Abend", level="A2", seats=1)
    olena = UserFactory(roles=[LEARNER], full_name="Olena Koval", preferred_language="uk")
    amal = UserFactory(roles=[LEARNER], full_name="Amal Nasser", preferred_language="ar")
    services.book_course(course=course, learner=olena, children_ages=[])  # confirmed
    services.book_course(course=course, learner=amal, children_ages=[])  # waiting
    coordinator = UserFactory(roles=[COORDINATOR], full_name="Clara Koordination",
                              preferred_language="en")  # fmt: skip
    before = len(catcher.messages)  # the booking confirmations
    sign_in(coordinator)

    page.goto(f"/manage/courses/{course.pk}/")
    page.check("input[name=audience][value=all]")
    page.fill("#id_subject", SUBJECT)
    page.fill("#id_body", BODY)
    assert serious_accessibility_violations(page) == []
    page.click("#message-check")
    page.wait_for_load_state()
    assert "This message goes to 2 people: Participants and waiting list" in page.inner_text(
        "#message-count"
    )
    assert serious_accessibility_violations(page) == []
    screenshot("coordinator-message-confirm")
    page.click("#message-send")
    page.wait_for_load_state()
    assert "Your message is on its way to 2 people." in page.inner_text("main")
    assert SUBJECT in page.inner_text("#messages-table")
    assert CourseMessage.objects.get().recipients == 2

    emails = {to: (subject, text) for to, subject, text in map(parts, catcher.messages[before:])}
    assert set(emails) == {olena.email, amal.email}
    for person, language, why in (
        (olena, "uk", "You receive this message because you have a place in this course."),
        (amal, "ar",
         "You receive this message because you are on the waiting list for this course."),
    ):  # fmt: skip
        subject, text = emails[person.email]
        with translation.override(language):
            intro = gettext(
                "Message about your course “%(title)s” from %(sender)s (coordination office):"
            ) % {"title": course.title, "sender": "Clara Koordination"}
            expected_subject = gettext("“%(title)s”: %(subject)s") % {
                "title": course.title, "subject": SUBJECT,
            }  # fmt: skip
            footer = gettext(why)
        assert footer != why  # in the person's language, not English
        assert subject == expected_subject
        assert intro in text and footer in text
        assert BODY in text.replace("\r\n", "\n")  # the typed words, as typed


def test_the_dashboard_figures_are_links_and_fit_their_cards_in_german(browser, live_server):
    """The overview's cards lead on, and "fehlgeschlagene Benachrichtigungen"
    stays inside its card at 1280 px (it used to run out of it)."""
    from django.test import Client

    coordinator = UserFactory(roles=[COORDINATOR], preferred_language="de")
    CourseFactory(title="Deutsch A1 vormittags")
    client = Client()
    client.force_login(coordinator)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    try:
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                              "url": live_server.url}])  # fmt: skip
        tab = context.new_page()
        tab.goto("/dashboard/")
        cards = tab.locator(".figure")
        assert cards.count() >= 6  # the overview's, attendance's and the call list's
        overflowing = tab.evaluate(
            "() => [...document.querySelectorAll('.figure')]"
            ".filter(card => card.scrollWidth > card.clientWidth).map(card => card.innerText)"
        )
        assert overflowing == []
        assert tab.locator(".figure a").count() == cards.count()  # every figure leads on
        tab.click("text=fehlgeschlagene Benachrichtigungen")
        tab.wait_for_load_state()
        assert tab.url.endswith("/dashboard/notifications/failed/")
    finally:
        context.close()
