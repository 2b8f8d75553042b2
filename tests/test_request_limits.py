"""Bodies over the size limit (413) and JSON nested too deeply (400): answered
before any view runs, in the error shape on API paths and as a page
elsewhere, in the caller's language — and nothing changes."""

import io

import pytest
from django.core.exceptions import RequestDataTooBig
from rest_framework.exceptions import ParseError

from accounts.roles import COORDINATOR, LEARNER
from common.errors import api_exception_handler
from common.parsers import JSONParser, json_too_deep
from courses.models import Booking

from .factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def _big(settings) -> str:
    return "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)


def test_an_api_body_over_the_limit_is_413_in_the_error_shape_and_books_nothing(client, settings):
    course = CourseFactory()
    client.force_login(UserFactory(roles=[LEARNER], preferred_language="en"))
    body = '{"children_ages": [], "padding": "' + _big(settings) + '"}'
    response = client.post(
        f"/api/v1/courses/{course.pk}/bookings/", body, content_type="application/json"
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "body_too_large"
    assert "1024 KB" in error["message"] and "too large" in error["message"]
    assert not Booking.objects.exists()


def test_the_413_speaks_the_callers_language(client, settings):
    client.force_login(UserFactory(roles=[LEARNER], preferred_language="de"))
    response = client.post("/api/v1/me/", _big(settings), content_type="application/json")
    assert response.status_code == 413
    assert "zu groß" in response.json()["error"]["message"]


def test_a_page_body_over_the_limit_gets_the_413_page(client, settings):
    course = CourseFactory()
    client.force_login(UserFactory(roles=[LEARNER], preferred_language="en"))
    response = client.post(f"/courses/{course.pk}/book/", {"children": _big(settings)})
    assert response.status_code == 413
    assert b"Too much data" in response.content and b"Nothing was saved" in response.content
    assert not Booking.objects.exists()


def test_a_body_within_the_limit_passes(as_user):
    course = CourseFactory()
    response = as_user(UserFactory(roles=[LEARNER])).post(
        f"/api/v1/courses/{course.pk}/bookings/", {"children_ages": []}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("depth", [25, 5_000, 200_000], ids=["over", "deep", "recursion"])
def test_json_nested_too_deeply_is_400_not_a_crash(client, depth):
    client.force_login(UserFactory(roles=[COORDINATOR], preferred_language="en"))
    body = '{"title": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/v1/courses/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json_too_deep"


def test_allauths_json_login_is_guarded_too(client):
    body = "[" * 100_000
    response = client.post("/_allauth/app/v1/auth/login", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json_too_deep"


def test_the_depth_check_counts_brackets_only_outside_strings(settings):
    limit = settings.KURSLOTSE_MAX_JSON_DEPTH
    assert not json_too_deep("[" * limit + "]" * limit)
    assert json_too_deep("[" * (limit + 1) + "]" * (limit + 1))
    assert not json_too_deep('{"a": "' + "[" * 1000 + '", "b": "\\"[[[["}')


def test_the_parser_refuses_deep_json_and_keeps_normal_json():
    parser = JSONParser()
    assert parser.parse(io.BytesIO(b'{"a": [1, {"b": 2}]}')) == {"a": [1, {"b": 2}]}
    with pytest.raises(ParseError) as refused:
        parser.parse(io.BytesIO(b"[" * 50 + b"]" * 50))
    assert refused.value.get_codes() == "json_too_deep"
    with pytest.raises(ParseError):
        parser.parse(io.BytesIO(b'{"a": NaN}'))


def test_the_parser_turns_a_recursion_error_into_a_400(settings):
    settings.KURSLOTSE_MAX_JSON_DEPTH = 10**9  # the pre-check lets everything through
    with pytest.raises(ParseError) as refused:
        JSONParser().parse(io.BytesIO(b"[" * 200_000 + b"]" * 200_000))
    assert refused.value.get_codes() == "json_too_deep"


def test_djangos_own_size_check_inside_a_view_is_a_413_too():
    response = api_exception_handler(RequestDataTooBig("too big"), {})
    assert response.status_code == 413
    assert response.data["error"]["code"] == "body_too_large"


def test_an_unknown_api_path_is_404_in_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.",
                                         "fields": {}}}  # fmt: skip
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and b"<html" in page.content
