"""The service worker and what a phone may keep without signal (common/offline.py)."""

import pytest
from django.conf import settings
from django.test import Client

from accounts.roles import COORDINATOR, LEARNER
from courses import services

from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(role) -> Client:
    client = Client()
    client.force_login(UserFactory(roles=[role], preferred_language="en"))
    return client


def test_the_worker_is_served_at_the_root_as_javascript_checked_on_every_visit(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert 'addEventListener("fetch"' in body
    assert "Kurslotse-Offline" in body


def test_the_policy_lets_only_this_site_run_a_worker(client):
    policy = client.get("/sw.js")["Content-Security-Policy"]
    assert "worker-src 'self'" in policy
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]


def test_a_learners_bookings_and_course_pages_may_be_kept():
    client = signed_in(LEARNER)
    course = CourseFactory()
    assert client.get("/bookings/")["Kurslotse-Offline"] == "keep"
    assert client.get(f"/courses/{course.pk}/")["Kurslotse-Offline"] == "keep"
    html = client.get("/bookings/").content.decode()
    assert 'data-service-worker="/sw.js"' in html


@pytest.mark.parametrize(
    "url", ["/api/v1/bookings/", "/profile/", "/coaching/", "/courses/", "/inbox/"]
)
def test_the_api_and_other_pages_are_never_kept(url):
    response = signed_in(LEARNER).get(url)
    assert response.status_code == 200, url
    assert "Kurslotse-Offline" not in response


def test_pages_of_visitors_and_of_the_office_are_never_kept(client):
    course = CourseFactory()
    assert "Kurslotse-Offline" not in client.get(f"/courses/{course.pk}/")
    assert "data-service-worker" not in client.get(f"/courses/{course.pk}/").content.decode()
    office = signed_in(COORDINATOR)
    assert "Kurslotse-Offline" not in office.get(f"/courses/{course.pk}/")


def test_signing_in_and_signing_out_clear_what_the_phone_kept(client):
    learner = UserFactory(roles=[LEARNER], preferred_language="en")
    services.book_course(course=CourseFactory(), learner=learner, children_ages=[])
    signed_in_answer = client.post(
        "/accounts/login/", {"login": learner.email, "password": "correct-horse-battery"}
    )
    assert signed_in_answer.status_code == 302
    assert signed_in_answer["Clear-Site-Data"] == '"cache", "storage"'
    assert "Clear-Site-Data" not in client.get("/bookings/")
    signed_out = client.post("/accounts/logout/")
    assert signed_out.status_code == 302
    assert signed_out["Clear-Site-Data"] == '"cache", "storage"'


def test_the_offline_page_says_there_is_no_connection():
    response = signed_in(LEARNER).get("/offline/")
    assert response.status_code == 200
    assert "No connection" in response.content.decode()
