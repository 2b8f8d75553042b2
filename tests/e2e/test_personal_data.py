"""A learner sees, prints and downloads their data, and erases their account,
in a real phone-sized browser in German."""

import json

import pytest

from accounts.models import User
from accounts.roles import LEARNER
from courses import services
from courses.constants import BookingStatus

from ..factories import CourseFactory, UserFactory
from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def german_learner():
    return UserFactory(roles=[LEARNER], preferred_language="de", full_name="Amal Haddad",
                       phone="+4971311234567")  # fmt: skip


def test_the_data_page_shows_prints_and_downloads_everything(page, sign_in):
    learner = german_learner()
    course = CourseFactory(title="Deutsch A1 mit Kinderbetreuung")
    services.book_course(course=course, learner=learner, children_ages=[3, 5])
    sign_in(learner)

    page.goto("/profile/")
    page.click("text=Alles ansehen und herunterladen, was wir über Sie speichern")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Ihre Daten"
    bookings = page.inner_text("#section-bookings")
    assert "Deutsch A1 mit Kinderbetreuung" in bookings and "3, 5" in bookings
    assert "+4971311234567" in page.inner_text("#section-profile")
    assert serious_accessibility_violations(page) == []

    page.emulate_media(media="print")
    assert not page.is_visible("#download-json")  # the buttons are not printed
    assert page.is_visible("#section-bookings")
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.click("#download-json")
    document = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert document["sections"]["bookings"][0]["children_ages"] == [3, 5]
    assert download.value.suggested_filename.startswith(f"kurslotse-data-{learner.pk}-")


def test_erasing_one_self_asks_for_the_password_and_gives_the_place_on(page, sign_in):
    learner = german_learner()
    course = CourseFactory(seats=1)
    services.book_course(course=course, learner=learner, children_ages=[])
    waiting = services.book_course(course=course, learner=UserFactory(roles=[LEARNER]),
                                   children_ages=[])  # fmt: skip
    sign_in(learner)

    page.goto("/privacy/my-data/")
    page.click("text=Mein Konto und meine Daten löschen")
    page.wait_for_load_state()
    assert "Das kann nicht rückgängig gemacht werden." in page.inner_text("main")
    assert serious_accessibility_violations(page) == []

    page.fill("input[name=password]", "falsch")
    page.click("#erase-me")
    page.wait_for_load_state()
    assert "Das ist nicht Ihr Passwort. Es wurde nichts gelöscht." in page.inner_text("main")
    assert User.objects.filter(pk=learner.pk).exists()

    page.fill("input[name=password]", "correct-horse-battery")
    page.click("#erase-me")
    page.wait_for_load_state()
    assert "Ihr Konto und Ihre Daten sind gelöscht." in page.inner_text("main")
    assert not User.objects.filter(pk=learner.pk).exists()
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.OFFERED
