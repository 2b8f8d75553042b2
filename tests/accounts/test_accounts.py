"""Accounts: email login, roles, allauth's headless API and its session token,
email verification, and multi-factor authentication for coordinators."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.test import APIClient

from accounts.roles import COORDINATOR, LEARNER, roles_of

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/_allauth/app/v1/auth/login"


def test_create_user_takes_email_as_login_and_normalises_it():
    user = get_user_model().objects.create_user(email="Amina@Example.ORG", password="pw-123456!")
    assert user.email == "amina@example.org"
    assert user.check_password("pw-123456!")
    assert user.preferred_language == "de"
    assert not hasattr(user, "username")


def test_headless_login_returns_a_session_token_the_api_accepts():
    user = UserFactory(email="lerner@example.org", roles=[LEARNER])
    client = APIClient()
    response = client.post(
        LOGIN, {"email": "lerner@example.org", "password": "correct-horse-battery"}, format="json"
    )
    assert response.status_code == 200, response.json()
    token = response.json()["meta"]["session_token"]

    api = APIClient()
    me = api.get("/api/v1/me/", headers={"X-Session-Token": token})
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    assert me.json()["roles"] == ["learner"]


def test_wrong_password_gives_no_token_and_the_api_answers_401():
    UserFactory(email="lerner@example.org", roles=[LEARNER])
    response = APIClient().post(
        LOGIN, {"email": "lerner@example.org", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "session_token" not in response.json().get("meta", {})
    api = APIClient()
    assert api.get("/api/v1/me/", headers={"X-Session-Token": "forged"}).status_code == 401


def test_signup_makes_a_learner_and_sends_a_verification_email():
    client = APIClient()
    response = client.post(
        "/_allauth/app/v1/auth/signup",
        {"email": "new.learner@example.org", "password": "Sehr-sicheres-Passwort-42"},
        format="json",
    )
    # Mandatory verification: the account exists but must confirm the address first.
    assert response.status_code == 401, response.json()
    user = get_user_model().objects.get(email="new.learner@example.org")
    assert roles_of(user) == {LEARNER}
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert "new.learner@example.org" in mail.outbox[0].to
    # Greeted by the district's name, not the server's host name.
    assert mail.outbox[0].body.startswith(f"Hallo von {settings.KURSLOTSE_SITE_NAME}!")
    assert "testserver" not in mail.outbox[0].body.split("\n")[0]


def test_profile_language_changes_the_language_of_api_errors(as_user, learner):
    client = as_user(learner)
    client.patch("/api/v1/me/", {"preferred_language": "en"}, format="json")
    response = client.get("/api/v1/courses/?near=999999")
    assert response.json()["error"]["fields"]["near"] == "Unknown municipality."
    client.patch("/api/v1/me/", {"preferred_language": "de"}, format="json")
    response = client.get("/api/v1/courses/?near=999999")
    assert response.json()["error"]["fields"]["near"] == "Unbekannte Gemeinde."


def test_invalid_profile_language_is_refused_and_nothing_changes(as_user, learner):
    response = as_user(learner).patch("/api/v1/me/", {"preferred_language": "xx"}, format="json")
    assert response.status_code == 400
    assert "preferred_language" in response.json()["error"]["fields"]
    learner.refresh_from_db()
    assert learner.preferred_language == "de"


def test_coordinator_without_totp_is_stopped_when_mfa_is_required(settings, as_user, coordinator):
    settings.KURSLOTSE_COORDINATOR_MFA_REQUIRED = True
    response = as_user(coordinator).post("/api/v1/courses/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"


def test_coordinator_with_totp_may_work_when_mfa_is_required(settings, as_user, coordinator):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    settings.KURSLOTSE_COORDINATOR_MFA_REQUIRED = True
    TOTP.activate(coordinator, generate_totp_secret())
    response = as_user(coordinator).get("/api/v1/bookings/")
    assert response.status_code == 200


def test_mfa_rule_does_not_touch_learners(settings, as_user, learner):
    settings.KURSLOTSE_COORDINATOR_MFA_REQUIRED = True
    assert as_user(learner).get("/api/v1/bookings/").status_code == 200


def test_coordinator_who_is_also_a_learner_sees_only_own_bookings_until_mfa_is_set_up(
    settings, as_user, learner
):
    from courses.services import book_course

    from ..factories import CourseFactory

    settings.KURSLOTSE_COORDINATOR_MFA_REQUIRED = True
    book_course(course=CourseFactory(), learner=learner, children_ages=[])
    both = UserFactory(roles=[LEARNER, COORDINATOR])
    response = as_user(both).get("/api/v1/bookings/")
    assert response.status_code == 200
    assert response.json()["count"] == 0
    settings.KURSLOTSE_COORDINATOR_MFA_REQUIRED = False
    assert as_user(UserFactory(roles=[COORDINATOR])).get("/api/v1/bookings/").json()["count"] == 1


def test_password_reset_request_sends_a_reset_email():
    UserFactory(email="vergesslich@example.org", roles=[LEARNER])
    response = APIClient().post(
        "/_allauth/app/v1/auth/password/request",
        {"email": "vergesslich@example.org"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["vergesslich@example.org"]


def test_signed_up_learner_may_book_after_verifying_the_email(as_user):
    from ..factories import CourseFactory

    client = APIClient()
    client.post(
        "/_allauth/app/v1/auth/signup",
        {"email": "neu@example.org", "password": "Sehr-sicheres-Passwort-42"},
        format="json",
    )
    EmailAddress.objects.filter(email="neu@example.org").update(verified=True)
    login = client.post(
        LOGIN, {"email": "neu@example.org", "password": "Sehr-sicheres-Passwort-42"}, format="json"
    )
    token = login.json()["meta"]["session_token"]
    course = CourseFactory()
    response = APIClient().post(
        f"/api/v1/courses/{course.pk}/bookings/",
        {"children_ages": [2]},
        format="json",
        headers={"X-Session-Token": token},
    )
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"


def test_learner_turns_email_notifications_off_and_on(as_user, learner):
    client = as_user(learner)
    assert client.get("/api/v1/me/").json()["notification_channels"] == ["email"]
    off = client.patch("/api/v1/me/", {"notification_channels": []}, format="json")
    assert off.json()["notification_channels"] == []
    bad = client.patch("/api/v1/me/", {"notification_channels": ["pigeon"]}, format="json")
    assert bad.status_code == 400
    learner.refresh_from_db()
    assert learner.notification_channels == []


def test_confirming_the_address_in_the_same_browser_signs_the_new_learner_in():
    import re

    from django.test import Client

    browser = Client()
    response = browser.post(
        "/accounts/signup/",
        {"email": "neu@example.org", "password1": "Sehr-sicheres-Passwort-42",
         "password2": "Sehr-sicheres-Passwort-42"},
    )  # fmt: skip
    assert response.status_code == 302
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    browser.post(f"/{path}")
    assert browser.get("/api/v1/me/").json()["email"] == "neu@example.org"
