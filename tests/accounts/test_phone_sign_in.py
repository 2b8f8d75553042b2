"""Phone first: text messages as a channel one chooses (a consent), sign-up
and sign-in by phone number with a code sent by SMS, and the proof of the
issue: a participant registered by phone, without email, gets an offered
place as a text message in var/sms/, follows its link, signs in by a code
and accepts the place."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.constants import ConsentPurpose
from accounts.roles import LEARNER
from accounts.selectors import consent_state
from accounts.services import register_participant_by_phone
from courses import services as course_services
from courses.constants import BookingStatus
from notifications.constants import Channel
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db

MOBILE = "0151 23456789"
MOBILE_E164 = "+4915123456789"


@pytest.fixture
def sms_dir(settings, tmp_path) -> Path:
    settings.KURSLOTSE_SMS_GATEWAY = "file"
    settings.KURSLOTSE_SMS_FILE_PATH = str(tmp_path / "sms")
    settings.KURSLOTSE_PUBLIC_URL = "http://testserver"
    return tmp_path / "sms"


def texts_in(folder: Path) -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.txt"))]


def code_in(text: str) -> str:
    return re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4})", text.split("\n\n", 1)[1]).group(1)


# --- The channel: a consent, for those with a number that takes text messages ------------------


def test_choosing_sms_on_the_api_needs_a_mobile_number_and_records_the_consent(as_user):
    person = UserFactory(roles=[LEARNER], phone="", preferred_language="en")
    client = as_user(person)
    refused = client.patch("/api/v1/me/", {"notification_channels": ["email", "sms"]},
                           format="json")  # fmt: skip
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "consent_needs_phone"
    landline = client.patch("/api/v1/me/", {"phone": "07131 123456",
                                            "notification_channels": ["sms"]}, format="json")  # fmt: skip
    assert landline.status_code == 409
    assert "mobile" in landline.json()["error"]["message"]
    person.refresh_from_db()
    assert (person.phone, person.notification_channels) == ("", ["email"])  # nothing changed

    chosen = client.patch("/api/v1/me/", {"phone": MOBILE, "notification_channels": ["email", "sms"]},
                          format="json")  # fmt: skip
    assert chosen.status_code == 200, chosen.json()
    assert chosen.json()["phone"] == MOBILE_E164
    assert sorted(chosen.json()["notification_channels"]) == ["email", "sms"]
    person.refresh_from_db()
    assert consent_state(person, ConsentPurpose.SMS_NOTIFICATIONS) is True
    assert client.patch("/api/v1/me/", {"notification_channels": ["fax"]},
                        format="json").status_code == 400  # fmt: skip

    withdrawn = client.patch("/api/v1/me/", {"notification_channels": ["email"]}, format="json")
    assert withdrawn.json()["notification_channels"] == ["email"]
    assert consent_state(person, ConsentPurpose.SMS_NOTIFICATIONS) is False


def test_the_profile_page_offers_text_messages_and_refuses_them_without_a_number(client):
    person = UserFactory(roles=[LEARNER], phone="", preferred_language="en")
    client.force_login(person)
    page = client.get("/profile/").content.decode()
    assert 'value="sms"' in page and "Text message (SMS)" in page
    fields = {"full_name": "A", "preferred_language": "en", "phone": ""}
    refused = client.post("/profile/", {**fields, "notification_channels": ["sms"]})
    assert refused.status_code == 200
    assert "There is no phone number to send text messages to." in refused.content.decode()
    saved = client.post("/profile/", {**fields, "phone": MOBILE, "notification_channels": ["sms"]})
    assert saved.status_code == 302
    person.refresh_from_db()
    assert person.notification_channels == ["sms"] and person.phone == MOBILE_E164
    wrong = client.post("/profile/", {**fields, "phone": "abc"})
    assert "Write a phone number" in wrong.content.decode()


def test_people_registered_by_phone_get_sms_on_a_mobile_and_the_office_s_call_on_a_landline():
    mobile = register_participant_by_phone(full_name="Olena", phone=MOBILE, preferred_language="uk")
    landline = register_participant_by_phone(full_name="Samira", phone="0711 123456",
                                             preferred_language="ar")  # fmt: skip
    declined = register_participant_by_phone(full_name="Ali", phone="0170 1234567",
                                             preferred_language="fa", sms_notifications=False)  # fmt: skip
    course = CourseFactory(seats=1)
    course_services.book_course(
        course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[]
    )
    for person in (mobile, landline, declined):
        course_services.book_course(course=course, learner=person, children_ages=[])

    def channels(person):
        return set(Notification.objects.filter(recipient=person).values_list("channel", flat=True))

    # Waitlisted: no call is worth it, but a text message is.
    assert channels(mobile) == {Channel.INBOX, Channel.SMS}
    assert channels(landline) == {Channel.INBOX}
    assert channels(declined) == {Channel.INBOX}
    course_services.cancel_course(course=course, by=UserFactory())
    assert Notification.objects.filter(recipient=mobile, channel=Channel.OFFICE_CALL).count() == 0
    assert Notification.objects.filter(recipient=landline, channel=Channel.OFFICE_CALL).count() == 1


# --- Sign-in and sign-up by phone ----------------------------------------------------------------


def test_a_person_signs_in_with_a_code_sent_to_their_phone(sms_dir):
    person = register_participant_by_phone(full_name="Olena", phone=MOBILE, preferred_language="uk")
    browser = Client()
    asked = browser.post("/accounts/login/code/", {"phone": MOBILE})
    assert asked.status_code == 302, asked.content.decode()[:2000]
    assert asked["Location"] == "/accounts/login/code/confirm/"
    (text,) = texts_in(sms_dir)
    assert f"To: {MOBILE_E164}" in text
    code = code_in(text)
    assert browser.get("/api/v1/me/").status_code in (401, 403)
    wrong = browser.post(
        "/accounts/login/code/confirm/", {"code": "AAAAAA" if code != "AAAAAA" else "BBBBBB"}
    )
    assert wrong.status_code == 200
    signed_in = browser.post("/accounts/login/code/confirm/", {"code": code})
    assert signed_in.status_code == 302
    me = browser.get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["id"] == person.pk


def test_an_unverified_or_shared_number_signs_nobody_in(sms_dir):
    """Nobody learns whether a number is known (allauth's enumeration
    prevention): the answer is the same, but no code is sent."""
    UserFactory(roles=[LEARNER], phone=MOBILE_E164)  # typed on a profile, never verified
    browser = Client()
    browser.post("/accounts/login/code/", {"phone": MOBILE})
    register_participant_by_phone(full_name="Mutter", phone="0170 1234567", preferred_language="ar")
    register_participant_by_phone(full_name="Sohn", phone="0170 1234567", preferred_language="ar")
    Client().post("/accounts/login/code/", {"phone": "0170 1234567"})
    assert [text for text in texts_in(sms_dir) if "code" in text.lower()] == []
    assert browser.post("/accounts/login/code/confirm/", {"code": "ABCD-EFGH"}).status_code != 302
    assert browser.get("/api/v1/me/").status_code in (401, 403)


def test_signing_up_with_a_phone_number_verifies_it_by_a_code(sms_dir):
    browser = Client()
    signed_up = browser.post(
        "/accounts/signup/",
        {"phone": MOBILE, "password1": "Sehr-sicheres-Passwort-42",
         "password2": "Sehr-sicheres-Passwort-42", "sms_notifications": "on"},
    )  # fmt: skip
    assert signed_up.status_code == 302, signed_up.content.decode()[:3000]
    assert signed_up["Location"] == "/accounts/phone/verify/"
    person = get_user_model().objects.get(phone=MOBILE_E164)
    assert (person.email, person.phone_verified) == (None, False)
    assert person.notification_channels == ["sms"]
    (text,) = texts_in(sms_dir)
    verified = browser.post("/accounts/phone/verify/", {"code": code_in(text)})
    assert verified.status_code == 302
    person.refresh_from_db()
    assert person.phone_verified
    assert browser.get("/api/v1/me/").json()["id"] == person.pk
    # And with that number and the password later, too.
    again = Client()
    assert again.post("/accounts/login/", {"login": MOBILE,
                                           "password": "Sehr-sicheres-Passwort-42"}).status_code == 302  # fmt: skip


def test_signing_up_needs_an_address_or_a_phone_and_email_sign_up_still_verifies_the_address(
    sms_dir, mailoutbox
):
    english = Client()
    english.cookies["django_language"] = "en"
    nothing = english.post("/accounts/signup/", {"password1": "Sehr-sicheres-Passwort-42",
                                                  "password2": "Sehr-sicheres-Passwort-42"})  # fmt: skip
    assert nothing.status_code == 200
    assert "Write your email address or your mobile phone number." in nothing.content.decode()
    browser = Client()
    by_email = browser.post("/accounts/signup/", {"email": "neu@example.org",
                                                  "password1": "Sehr-sicheres-Passwort-42",
                                                  "password2": "Sehr-sicheres-Passwort-42"})  # fmt: skip
    assert by_email.status_code == 302
    assert by_email["Location"] == "/accounts/confirm-email/"
    assert browser.get("/api/v1/me/").status_code in (
        401,
        403,
    )  # not before the address is confirmed
    assert len(mailoutbox) == 1 and texts_in(sms_dir) == []


# --- The proof: an offer by SMS, followed and accepted -----------------------------------------


def test_a_phone_only_participant_gets_an_offer_by_sms_follows_the_link_and_accepts(
    sms_dir, django_capture_on_commit_callbacks
):
    course = CourseFactory(seats=1, title="Deutsch A1 am Abend")
    holder = UserFactory(roles=[LEARNER])
    held = course_services.book_course(course=course, learner=holder, children_ages=[])
    person = register_participant_by_phone(full_name="Olena Koval", phone=MOBILE,
                                           preferred_language="uk")  # fmt: skip
    waiting = course_services.book_course(course=course, learner=person, children_ages=[])
    assert waiting.status == BookingStatus.WAITLISTED

    with django_capture_on_commit_callbacks(execute=True):  # delivered after the commit
        course_services.cancel_booking(booking=held, by=holder)  # the place goes to Olena

    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.OFFERED
    (offer,) = [text for text in texts_in(sms_dir) if "Reference: offer_made:" in text]
    assert f"To: {MOBILE_E164}" in offer and "Encoding: UCS-2" in offer
    link = re.search(r"http://testserver(/\S+)", offer).group(1)
    assert link == f"/courses/{course.pk}/"
    assert not Notification.objects.filter(recipient=person, channel=Channel.OFFICE_CALL).exists()

    browser = Client()
    assert browser.get(link).status_code == 200  # anyone may read the course page
    browser.post("/accounts/login/code/", {"phone": MOBILE})
    code = code_in(texts_in(sms_dir)[-1])
    assert (
        browser.post("/accounts/login/code/confirm/", {"code": code, "next": link}).status_code
        == 302
    )
    page = browser.get(link).content.decode()
    assert f"/bookings/{waiting.pk}/accept/" in page

    accepted = browser.post(f"/bookings/{waiting.pk}/accept/")
    assert accepted.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("language", ["de", "ar", "uk", "ru", "tr", "fa"])
def test_the_phone_sign_in_pages_are_translated(sms_dir, language):
    from ..untranslated import record_untranslated

    register_participant_by_phone(full_name="Olena", phone=MOBILE, preferred_language=language)
    browser = Client()
    browser.cookies["django_language"] = language
    with record_untranslated() as missing:
        assert browser.get("/accounts/login/code/").status_code == 200
        assert browser.post("/accounts/login/code/", {"phone": MOBILE}).status_code == 302
        assert browser.get("/accounts/login/code/confirm/").status_code == 200
        wrong = browser.post("/accounts/login/code/confirm/", {"code": "XXXX-XXXX"})
        assert wrong.status_code == 200
        other = Client()
        other.cookies["django_language"] = language
        refused = other.post("/accounts/login/code/", {"phone": "abc"})
        assert refused.status_code == 200 and 'name="phone"' in refused.content.decode()
    assert missing == set()
    (text,) = texts_in(sms_dir)
    assert "Kurslotse" in text.split("\n\n", 1)[1]  # the code's text, in the person's language


@pytest.mark.parametrize("language", ["de", "ar", "uk", "ru", "tr", "fa"])
def test_signing_up_by_phone_is_translated(sms_dir, language):
    from ..untranslated import record_untranslated

    browser = Client()
    browser.cookies["django_language"] = language
    with record_untranslated() as missing:
        signed_up = browser.post(
            "/accounts/signup/",
            {"phone": MOBILE, "password1": "Sehr-sicheres-Passwort-42",
             "password2": "Sehr-sicheres-Passwort-42"},
        )  # fmt: skip
        assert signed_up["Location"] == "/accounts/phone/verify/"
        assert browser.get("/accounts/phone/verify/").status_code == 200
        assert browser.post("/accounts/phone/verify/", {"code": "XXXX-XXXX"}).status_code == 200
    assert missing == set()
    assert get_user_model().objects.get(phone=MOBILE_E164).preferred_language == language


def test_the_office_sees_who_gets_text_messages_and_whom_it_calls(client, coordinator):
    coordinator.preferred_language = "en"
    coordinator.save()
    client.force_login(coordinator)
    course = CourseFactory(seats=1)
    course_services.book_course(
        course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[]
    )
    waiting = {}
    for name, phone in (("Olena Koval", MOBILE), ("Samira Haddad", "0711 123456")):
        person = register_participant_by_phone(full_name=name, phone=phone, preferred_language="uk")
        waiting[name] = course_services.book_course(course=course, learner=person, children_ages=[])
    page = client.get(f"/manage/courses/{course.pk}/").content.decode()

    def row(name):
        start = page.index(f'<tr id="waiting-{waiting[name].pk}">')
        return page[start : page.index("</tr>", start)]

    assert "No email: gets text messages" in row("Olena Koval")
    assert "No email: the office calls" in row("Samira Haddad")


def test_the_app_signs_in_by_phone_code_through_allauth_s_api(sms_dir):
    from rest_framework.test import APIClient

    person = register_participant_by_phone(full_name="Olena", phone=MOBILE, preferred_language="uk")
    app = APIClient()
    asked = app.post("/_allauth/app/v1/auth/code/request", {"phone": MOBILE}, format="json")
    assert asked.status_code == 401  # not signed in yet: the code flow is pending
    pending = asked.json()["meta"]["session_token"]
    (text,) = texts_in(sms_dir)
    confirmed = app.post("/_allauth/app/v1/auth/code/confirm", {"code": code_in(text)},
                         format="json", HTTP_X_SESSION_TOKEN=pending)  # fmt: skip
    assert confirmed.status_code == 200
    token = confirmed.json()["meta"]["session_token"]
    me = app.get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token).json()
    assert (me["id"], me["phone"], me["notification_channels"]) == (person.pk, MOBILE_E164, ["sms"])
