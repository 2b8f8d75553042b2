"""Consent to what is optional (email messages, the phone number for the coach):
recorded with time and text version, an append-only history whose latest row is
the current state, given and withdrawn through the API, the profile page and the
sign-up, and taking effect (email stops; the setting and the consent never
disagree). Plus the data migration that took over the earlier setting."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.constants import PRE_CONSENT_VERSION, ConsentPurpose, ConsentVia
from accounts.models import Consent
from accounts.roles import LEARNER
from accounts.selectors import consent_state, consents_for_export, current_consents
from accounts.services import record_consent
from courses.notifications import Kind
from notifications.services import notify
from places.models import Municipality

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

EMAIL = ConsentPurpose.EMAIL_NOTIFICATIONS
PHONE = ConsentPurpose.SHARE_PHONE_WITH_COACH
T0 = dt.datetime(2031, 5, 4, 9, 0, tzinfo=dt.UTC)


def channels_after_notify(person) -> set[str]:
    rows = notify(recipient=person, kind=Kind.COURSE_CHANGED, key=f"t:{Consent.objects.count()}")
    return {row.channel for row in rows}


def test_history_is_appended_and_the_latest_row_is_the_state(settings):
    settings.KURSLOTSE_PRIVACY_NOTICE_VERSION = "v-test-1"
    person = UserFactory(roles=[LEARNER], notification_channels=[], phone="+4971311234567")
    assert consent_state(person, PHONE) is False  # no row: not given
    with time_machine.travel(T0, tick=False):
        record_consent(person=person, purpose=PHONE, given=True, via=ConsentVia.PROFILE)
    settings.KURSLOTSE_PRIVACY_NOTICE_VERSION = "v-test-2"
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        record_consent(person=person, purpose=PHONE, given=False, via=ConsentVia.API)
        assert record_consent(person=person, purpose=PHONE, given=False, via=ConsentVia.API) is None
    rows = list(Consent.objects.filter(person=person).values_list("given", "text_version", "via"))
    assert rows == [(True, "v-test-1", "profile"), (False, "v-test-2", "api")]
    assert consent_state(person, PHONE) is False
    assert current_consents(person)[PHONE]["at"] == T0 + dt.timedelta(days=3)
    assert consents_for_export(person) == [
        {"purpose": PHONE, "given": True, "text_version": "v-test-1", "via": "profile",
         "at": T0.isoformat()},
        {"purpose": PHONE, "given": False, "text_version": "v-test-2", "via": "api",
         "at": (T0 + dt.timedelta(days=3)).isoformat()},
    ]  # fmt: skip


def test_withdrawing_email_through_the_api_stops_email_and_is_recorded(as_user, settings):
    person = UserFactory(roles=[LEARNER])
    assert channels_after_notify(person) == {"inbox", "email"}
    client = as_user(person)
    response = client.post("/api/v1/me/consents/", {"purpose": EMAIL, "given": False},
                           format="json")  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    state = {row["purpose"]: row["given"] for row in body["consents"]}
    assert state == {EMAIL: False, PHONE: False, ConsentPurpose.SMS_NOTIFICATIONS: False}
    assert body["notice_version"] == settings.KURSLOTSE_PRIVACY_NOTICE_VERSION
    latest = body["history"][0]
    assert (latest["purpose"], latest["given"], latest["via"]) == (EMAIL, False, "api")
    person.refresh_from_db()
    assert person.notification_channels == []
    assert client.get("/api/v1/me/").json()["notification_channels"] == []
    assert channels_after_notify(person) == {"inbox"}
    client.post("/api/v1/me/consents/", {"purpose": EMAIL, "given": True}, format="json")
    person.refresh_from_db()
    assert person.notification_channels == ["email"] and consent_state(person, EMAIL)


def test_the_channel_setting_and_the_consent_never_disagree(as_user):
    person = UserFactory(roles=[LEARNER])
    client = as_user(person)
    client.patch("/api/v1/me/", {"notification_channels": []}, format="json")
    assert consent_state(person, EMAIL) is False
    assert client.get("/api/v1/me/consents/").json()["history"][0]["via"] == "api"
    client.patch("/api/v1/me/", {"notification_channels": ["email"]}, format="json")
    assert consent_state(person, EMAIL) is True
    for person in get_user_model().objects.all():
        assert ("email" in person.notification_channels) == consent_state(person, EMAIL)


def test_refusals_are_clear_and_change_nothing(as_user):
    person = UserFactory(roles=[LEARNER], phone="")
    client = as_user(person)
    before = Consent.objects.count()
    no_phone = client.post("/api/v1/me/consents/", {"purpose": PHONE, "given": True},
                           format="json")  # fmt: skip
    assert no_phone.status_code == 409
    assert no_phone.json()["error"]["code"] == "consent_needs_phone"
    unknown = client.post("/api/v1/me/consents/", {"purpose": "selling", "given": True},
                          format="json")  # fmt: skip
    assert unknown.status_code == 400 and "purpose" in unknown.json()["error"]["fields"]
    assert client.post("/api/v1/me/consents/", {"purpose": EMAIL}, format="json").status_code == 400
    assert Consent.objects.count() == before
    assert as_user(None).get("/api/v1/me/consents/").status_code == 401


def test_the_profile_page_gives_and_withdraws_the_phone_consent_and_shows_the_history():
    person = UserFactory(roles=[LEARNER], phone="+4971311234567", preferred_language="en")
    browser = Client()
    browser.force_login(person)
    fields = {"full_name": person.full_name, "preferred_language": "en",
              "phone": person.phone, "home_municipality": "", "notification_channels": ["email"]}  # fmt: skip
    assert browser.post("/profile/", {**fields, "share_phone_with_coach": "on"}).status_code == 302
    assert consent_state(person, PHONE) is True
    shown = browser.get("/profile/")
    assert shown.context["form"].initial["share_phone_with_coach"] is True
    assert "Show my phone number to my coach \u2013 given (Profile page)" in shown.content.decode()
    assert browser.post("/profile/", fields).status_code == 302
    assert consent_state(person, PHONE) is False
    assert "withdrawn" in browser.get("/profile/").content.decode()
    # without a phone number the page says what to do and records nothing
    refused = browser.post("/profile/", {**fields, "phone": "", "share_phone_with_coach": "on"})
    assert refused.status_code == 200
    assert "Add your phone number first" in refused.content.decode()
    person.refresh_from_db()
    assert person.phone == "+4971311234567" and consent_state(person, PHONE) is False


def test_sign_up_asks_for_name_municipality_and_the_email_consent(client):
    page = client.get("/accounts/signup/").content.decode()
    assert 'href="/privacy/"' in page and 'name="full_name"' in page
    assert 'name="home_municipality"' in page and 'name="email_notifications"' in page
    place = Municipality.objects.get(name="Neckarsulm")
    client.post("/accounts/signup/", {
        "email": "amal@example.org", "password1": "Sehr-sicheres-Passwort-42",
        "password2": "Sehr-sicheres-Passwort-42", "full_name": "Amal Haddad",
        "home_municipality": place.pk, "email_notifications": "on",
    })  # fmt: skip
    amal = get_user_model().objects.get(email="amal@example.org")
    assert (amal.full_name, amal.home_municipality_id) == ("Amal Haddad", place.pk)
    assert amal.notification_channels == ["email"]
    assert list(amal.consents.values_list("purpose", "given", "via")) == [(EMAIL, True, "signup")]
    client.post("/accounts/signup/", {
        "email": "omar@example.org", "password1": "Sehr-sicheres-Passwort-42",
        "password2": "Sehr-sicheres-Passwort-42",
    })  # fmt: skip
    omar = get_user_model().objects.get(email="omar@example.org")
    assert omar.notification_channels == [] and not omar.consents.exists()


def test_the_data_migration_takes_over_who_receives_email():
    migration = importlib.import_module("accounts.migrations.0009_consent_records")
    User = get_user_model()
    had_email = User.objects.create(email="old@example.org", notification_channels=["email"])
    had_none = User.objects.create(email="quiet@example.org", notification_channels=[])
    by_phone = User.objects.create(email=None, phone="+4971311234567",
                                   notification_channels=["email"])  # fmt: skip
    migration.take_over_email_setting(apps, None)
    assert list(had_email.consents.values_list("purpose", "given", "text_version", "via")) == [
        (EMAIL, True, PRE_CONSENT_VERSION, "migration")
    ]
    assert not had_none.consents.exists() and not by_phone.consents.exists()
    by_phone.refresh_from_db()
    assert by_phone.notification_channels == []
    assert not Consent.objects.filter(purpose=PHONE).exists()  # nobody presumed to share
