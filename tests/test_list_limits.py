"""Every list a client may send has a limit with a clear error.

The guard walks the OpenAPI schema (generated from the serializers, so a new
list field is covered the day it is added): every array in every request
body has ``maxItems``, and no request field takes free-form JSON (which could
hide an unbounded list). The other tests send lists over the limit.
"""

import datetime as dt

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.roles import COACH, COORDINATOR, LEARNER
from coaching.constants import MAX_AVAILABILITY_RANGES, MAX_LANGUAGES
from courses.constants import MAX_EXCEPTION_DATES
from courses.models import Course

from .factories import UserFactory, municipality

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _unbounded(schema, node, path, seen=None):
    """Paths of arrays without maxItems (and free-form values) under ``node``."""
    seen = seen if seen is not None else set()
    if isinstance(node, dict) and "$ref" in node:
        if node["$ref"] in seen:
            return
        seen = seen | {node["$ref"]}
    node = _resolve(schema, node)
    for key in ("allOf", "oneOf", "anyOf"):
        for index, part in enumerate(node.get(key, [])):
            yield from _unbounded(schema, part, f"{path}.{key}[{index}]", seen)
    kind = node.get("type")
    if kind == "array":
        if "maxItems" not in node:
            yield path
        yield from _unbounded(schema, node.get("items", {}), f"{path}[]", seen)
    elif kind == "object" or "properties" in node:
        if "properties" not in node and node.get("additionalProperties") is not False:
            yield f"{path} (free-form object)"
        for name, prop in node.get("properties", {}).items():
            yield from _unbounded(schema, prop, f"{path}.{name}", seen)
    elif not kind and not any(key in node for key in ("allOf", "oneOf", "anyOf", "enum")):
        yield f"{path} (any JSON)"


def request_bodies(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body:
                yield f"{method.upper()} {path}", body["content"]["application/json"]["schema"]


def test_every_list_in_a_request_body_has_a_maximum(schema):
    bodies = dict(request_bodies(schema))
    assert "POST /api/v1/coaching/requests/" in bodies and len(bodies) > 10
    unbounded = [path for name, body in bodies.items() for path in _unbounded(schema, body, name)]
    assert unbounded == []


def test_the_guard_sees_an_unbounded_list():
    schema = {"components": {"schemas": {"X": {"type": "object", "properties": {
        "slots": {"type": "array", "items": {"type": "integer"}},
        "days": {"type": "array", "maxItems": 7, "items": {"type": "integer"}},
        "blob": {},
    }}}}}  # fmt: skip
    found = list(_unbounded(schema, {"$ref": "#/components/schemas/X"}, "X"))
    assert found == ["X.slots", "X.blob (any JSON)"]


SLOT = {"weekday": 0, "start": "09:00", "end": "10:00"}


def _request_body(**overrides):
    body = {"programme": "jobcoaching", "german_level": "B1", "municipality": municipality().pk,
            "availability": [SLOT], "goals": ["cv"], "languages": ["ar"]}  # fmt: skip
    body.update(overrides)
    return body


def test_ten_thousand_availability_slots_are_refused(as_user):
    learner = UserFactory(roles=[LEARNER])
    response = as_user(learner).post(
        "/api/v1/coaching/requests/", _request_body(availability=[SLOT] * 10_000), format="json"
    )
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert str(MAX_AVAILABILITY_RANGES) in str(error["fields"]["availability"])
    assert not learner.coaching_requests.exists()


def test_the_limit_itself_is_accepted(as_user):
    learner = UserFactory(roles=[LEARNER])
    slots = [{"weekday": day % 7, "start": f"{8 + day // 7:02d}:00", "end": f"{8 + day // 7:02d}:30"}
             for day in range(MAX_AVAILABILITY_RANGES)]  # fmt: skip
    response = as_user(learner).post(
        "/api/v1/coaching/requests/", _request_body(availability=slots), format="json"
    )
    assert response.status_code == 201, response.content[:300]


def test_too_many_languages_on_a_coach_profile_are_refused(as_user):
    coach = UserFactory(roles=[COACH])
    languages = [{"code": "ar", "level": "fluent"}] * (MAX_LANGUAGES + 1)
    response = as_user(coach).put("/api/v1/coaching/coach-profile/", {
        "programmes": ["jobcoaching"], "languages": languages, "municipality": municipality().pk,
        "travel_radius_km": 10, "online_ok": True, "availability": [SLOT], "capacity": 2,
        "skills": [],
    }, format="json")  # fmt: skip
    assert response.status_code == 400
    assert "languages" in response.json()["error"]["fields"]


def _course_body(**overrides):
    start = timezone.localdate() + dt.timedelta(days=14)
    body = {"title": "Deutsch B1", "level": "B1", "format": "in_person",
            "municipality": municipality().pk, "seats": 10, "childcare_places": 0,
            "starts_on": start.isoformat(), "ends_on": (start + dt.timedelta(weeks=6)).isoformat(),
            "weekdays": [0], "start_time": "18:00", "end_time": "20:00"}  # fmt: skip
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weekdays", [0, 1, 2, 3, 4, 5, 6, 0]),
        ("exception_dates", ["2030-01-01"] * (MAX_EXCEPTION_DATES + 1)),
        ("helper_languages", ["ar"] * 200),
    ],
)
def test_oversized_lists_of_a_course_are_refused(as_user, field, value):
    response = as_user(UserFactory(roles=[COORDINATOR])).post(
        "/api/v1/courses/", _course_body(**{field: value}), format="json"
    )
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()["error"]["fields"]
    assert not Course.objects.exists()
