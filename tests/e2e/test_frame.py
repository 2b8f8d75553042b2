"""The frame every page shares, in a real browser: language switch, right-to-left
layout, the phone menu, and no accessibility violations on the start page."""

import pytest

from accounts.roles import LEARNER

from ..factories import UserFactory
from .conftest import PASSWORD, serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_visitor_switches_to_arabic_and_the_page_turns_right_to_left(page, screenshot):
    page.goto("/")
    assert page.get_attribute("html", "dir") == "ltr"
    page.select_option("#language-select", "ar")
    page.click(".language-switcher button")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "ar"
    assert page.get_attribute("html", "dir") == "rtl"
    screenshot("home-ar")


def test_start_page_has_no_serious_accessibility_violations(page):
    page.goto("/")
    assert serious_accessibility_violations(page) == []


def test_signed_in_language_choice_is_remembered_on_the_profile(page, sign_in):
    learner = UserFactory(roles=[LEARNER], preferred_language="de")
    sign_in(learner)
    page.goto("/profile/")
    page.select_option("#language-select", "uk")
    page.click(".language-switcher button")
    page.wait_for_load_state()
    learner.refresh_from_db()
    assert learner.preferred_language == "uk"
    assert page.get_attribute("html", "lang") == "uk"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/accounts/login/", "sign-in"),
        ("/accounts/signup/", "sign-up"),
        ("/accounts/password/reset/", "password-reset"),
    ],
)
def test_account_pages_are_styled_and_accessible(page, screenshot, path, name):
    page.goto(path)
    assert page.locator("link[rel=stylesheet]").count() == 1  # our frame, not allauth's bare one
    assert page.locator("main h1").count() == 1
    assert serious_accessibility_violations(page) == []
    screenshot(name)


def test_sign_in_error_is_shown_and_tied_to_the_form(page):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "nobody@example.org")
    page.fill("input[name=password]", "wrong-password")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".error-summary[role=alert]").count() == 1
    assert serious_accessibility_violations(page) == []


def test_menu_is_a_button_on_phones_and_a_row_of_links_on_wide_screens(page, sign_in):
    sign_in(UserFactory(roles=[LEARNER]))
    page.goto("/profile/")
    menu_link = page.locator(".site-menu__list a[href='/inbox/']")
    assert not menu_link.is_visible()
    page.click(".site-menu > summary")
    assert menu_link.is_visible()
    menu_link.focus()
    page.keyboard.press("Escape")  # closes the menu, focus back on its button
    assert not menu_link.is_visible()
    assert page.evaluate("document.activeElement.matches('.site-menu > summary')")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/profile/")
    assert menu_link.is_visible()
    assert not page.locator(".site-menu > summary").is_visible()


def test_two_factor_setup_page_is_in_our_frame_and_accessible(page, sign_in, screenshot):
    from accounts.roles import COORDINATOR

    sign_in(UserFactory(roles=[COORDINATOR]))
    page.goto("/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # allauth asks for the password again first
        assert serious_accessibility_violations(page) == []
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
    assert page.locator("link[rel=stylesheet]").count() == 1
    assert page.locator("main img").count() == 1  # the QR code for the authenticator app
    assert serious_accessibility_violations(page) == []
    screenshot("two-factor-setup")
