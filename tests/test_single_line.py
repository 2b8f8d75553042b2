"""Single-line texts stay on one line (common/validators.py).

A line break in a course title, a venue, a place or a name would split email
headers and calendar lines about it. The guard walks every CharField of our
models and asserts the validator is on it, so model forms, the admin and
DRF's model serializers refuse such input; the other tests go through each
door — API, pages, admin — and see nothing saved.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import COORDINATOR, LEARNER
from common.validators import SingleLineValidator, validate_single_line
from courses.models import Course
from places.models import Venue

from .factories import CourseFactory, UserFactory, VenueFactory, make_coach, municipality

OUR_APPS = ("accounts", "places", "courses", "coaching", "notifications", "calendars",
            "dashboard", "common")  # fmt: skip
# Fields that are not text a person types, and why.
EXEMPT = {("accounts.User", "password"): "a password hash, written by set_password only"}
BREAKS = ["Deutsch\nB1", "Deutsch\r\nB1", "Deutsch\rB1", "Tab\there", "Null\x00", "Esc\x1b[2J",
          "Line\u2028separator", "Para\u2029graph", "NEL\x85"]  # fmt: skip


def single_line_fields():
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.CharField) and not field.choices:
                    yield model, field


def test_every_single_line_model_field_refuses_line_breaks():
    fields = list(single_line_fields())
    names = {f"{model._meta.label}.{field.name}" for model, field in fields}
    assert {"courses.Course.title", "places.Venue.street", "accounts.User.full_name",
            "coaching.Meeting.place"} <= names  # fmt: skip
    missing = [
        f"{model._meta.label}.{field.name}"
        for model, field in fields
        if (model._meta.label, field.name) not in EXEMPT
        and not any(isinstance(v, SingleLineValidator) for v in field.validators)
    ]
    assert missing == []


def test_text_fields_stay_multi_line():
    assert validate_single_line not in Course._meta.get_field("description").validators


@pytest.mark.parametrize("text", BREAKS)
def test_the_validator_refuses_line_breaks_and_control_characters(text):
    with pytest.raises(ValidationError) as refused:
        validate_single_line(text)
    assert refused.value.code == "single_line"


@pytest.mark.parametrize("text", ["Café – Straße 1", "دورة ألمانية", "Курс B1", "", "🙂 A1"])  # noqa: RUF001
def test_the_validator_accepts_every_script_and_symbol(text):
    validate_single_line(text)


# --- Through the doors ---------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def _course_body(**overrides):
    start = timezone.localdate() + dt.timedelta(days=14)
    body = {"title": "Deutsch B1", "level": "B1", "format": "in_person",
            "municipality": municipality().pk, "seats": 10, "childcare_places": 0,
            "starts_on": start.isoformat(), "ends_on": (start + dt.timedelta(weeks=6)).isoformat(),
            "weekdays": [0], "start_time": "18:00", "end_time": "20:00"}  # fmt: skip
    body.update(overrides)
    return body


@pytest.mark.parametrize("text", BREAKS[:3])
def test_the_api_refuses_a_course_title_with_a_line_break(as_user, text):
    response = as_user(UserFactory(roles=[COORDINATOR])).post(
        "/api/v1/courses/", _course_body(title=text), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "title" in response.json()["error"]["fields"]
    assert not Course.objects.exists()


def test_the_api_refuses_a_name_with_a_line_break(as_user):
    learner = UserFactory(roles=[LEARNER], full_name="Amal")
    response = as_user(learner).patch("/api/v1/me/", {"full_name": "Amal\nBcc: x@example.org"},
                                      format="json")  # fmt: skip
    assert response.status_code == 400
    assert "full_name" in response.json()["error"]["fields"]
    learner.refresh_from_db()
    assert learner.full_name == "Amal"


def test_a_session_note_with_a_line_break_is_refused_and_the_session_stays(as_user):
    session = CourseFactory().sessions.order_by("date").first()
    coordinator = UserFactory(roles=[COORDINATOR])
    response = as_user(coordinator).post(f"/api/v1/sessions/{session.pk}/cancel/",
                                         {"note": "Krank\r\nSubject: x"}, format="json")  # fmt: skip
    assert response.status_code == 400
    assert "note" in response.json()["error"]["fields"]
    session.refresh_from_db()
    assert (session.status, session.sequence) == ("scheduled", 0)


def test_a_meeting_place_with_a_line_break_is_refused(as_user):
    from coaching.models import Meeting

    from .coaching.test_views import mentorship_for

    mentorship = mentorship_for(make_coach())
    start = timezone.now() + dt.timedelta(days=2)
    response = as_user(mentorship.coach).post(
        f"/api/v1/coaching/mentorships/{mentorship.pk}/meetings/",
        {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
         "place": "Rathaus\nRaum 2"}, format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "place" in response.json()["error"]["fields"]
    assert not Meeting.objects.exists()


def test_the_course_page_refuses_a_title_with_a_line_break(client):
    coordinator = UserFactory(roles=[COORDINATOR], preferred_language="en")
    client.force_login(coordinator)
    start = timezone.localdate() + dt.timedelta(days=14)
    response = client.post("/manage/courses/new/", {
        "title": "Deutsch\r\nB1", "level": "B1", "format": "in_person",
        "municipality": municipality().pk, "seats": "12", "childcare_places": "0",
        "starts_on": start.isoformat(), "ends_on": (start + dt.timedelta(weeks=4)).isoformat(),
        "weekdays": ["1"], "start_time": "18:00", "end_time": "20:00",
        "offer_hours": "48",
    })  # fmt: skip
    assert response.status_code == 200
    assert "one line" in str(response.context["form"].errors["title"])
    assert not Course.objects.exists()


def test_the_coaching_request_page_refuses_a_care_facility_with_a_line_break(client):
    from coaching.models import CoachingRequest

    from .coaching.test_views import request_form

    learner = UserFactory(roles=[LEARNER], preferred_language="en")
    client.force_login(learner)
    response = client.post("/coaching/", request_form(
        programme="care_language", care_facility="Haus\nAm See", german_level="B1",
    ))  # fmt: skip
    assert response.status_code == 200
    assert "care_facility" in response.context["form"].errors
    assert not CoachingRequest.objects.exists()


def test_the_admin_refuses_a_venue_name_with_a_line_break():
    venue = VenueFactory()
    client = Client()
    client.force_login(UserFactory(roles=[COORDINATOR], preferred_language="en"))
    response = client.post(reverse("admin:places_venue_change", args=[venue.pk]), {
        "name": "Bürgerhaus\nSaal", "street": venue.street, "postal_code": venue.postal_code,
        "municipality": venue.municipality_id, "accessibility_notes": "",
    })  # fmt: skip
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert Venue.objects.get(pk=venue.pk).name == venue.name
