"""Deployment guards and the published OpenAPI schema."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env_overrides):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests' own process only;
    # a production process must never inherit it.
    unwanted = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


GOOD_PRODUCTION = {
    "KURSLOTSE_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "kurslotse.example",
}


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"DEBUG": "true"}, "DEBUG must be off"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must name"),
    ],
)
def test_production_refuses_unsafe_settings(override, complaint):
    env = {**GOOD_PRODUCTION, **override}
    if override.get("SECRET_KEY") == "":
        env.pop("SECRET_KEY")
    result = manage("check", **env)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD_PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_openapi_schema_is_valid_and_documents_the_contract(tmp_path):
    result = manage("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                    "--file", str(tmp_path / "schema.json"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    import json

    schema = json.loads((tmp_path / "schema.json").read_text())
    paths = schema["paths"]
    for path in [
        "/api/v1/municipalities/",
        "/api/v1/courses/",
        "/api/v1/courses/{id}/",
        "/api/v1/courses/{id}/sessions/",
        "/api/v1/courses/{id}/bookings/",
        "/api/v1/bookings/",
        "/api/v1/bookings/{id}/cancel/",
        "/api/v1/bookings/{id}/accept-offer/",
    ]:
        assert path in paths, path
    assert "sessionToken" in schema["components"]["securitySchemes"]
    params = {p["name"] for p in paths["/api/v1/courses/"]["get"]["parameters"]}
    assert {
        "level",
        "format",
        "municipality",
        "childcare",
        "near",
        "radius_km",
        "weekday",
    } <= params


@pytest.mark.django_db
def test_schema_and_swagger_ui_are_served_without_any_cdn(client):
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page


@pytest.fixture(scope="module")
def openapi():
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


def test_schema_documents_each_operations_errors_from_what_its_view_declares(openapi):
    paths = openapi["paths"]
    booking = paths["/api/v1/courses/{id}/bookings/"]["post"]["responses"]
    assert set(booking) == {"201", "400", "401", "403", "404", "409", "413", "415", "422", "503"}
    assert booking["503"]["headers"]["Retry-After"] == {"$ref": "#/components/headers/RetryAfter"}
    forbidden = booking["403"]["content"]["application/json"]["schema"]["allOf"]
    assert forbidden[0] == {"$ref": "#/components/schemas/Error"}
    assert forbidden[1]["properties"]["error"]["properties"]["code"]["enum"] == [
        "permission_denied", "mfa_required",
    ]  # fmt: skip
    error = openapi["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["code", "message", "fields"]
    # Public reads: no 401/403, no authentication needed; signed-in-only ones say 401.
    catalogue = paths["/api/v1/courses/"]["get"]
    assert {} in catalogue["security"]
    assert not {"401", "403"} & set(catalogue["responses"])
    assert {} not in paths["/api/v1/me/"]["get"]["security"]
    assert set(paths["/api/v1/municipalities/"]["get"]["responses"]) == {"200", "503"}
    # 409 only where the view's rules can refuse: withdrawing a request, not reading the inbox.
    assert "409" in paths["/api/v1/coaching/requests/{id}/withdraw/"]["post"]["responses"]
    assert "409" not in paths["/api/v1/notifications/{id}/read/"]["post"]["responses"]
    meetings = paths["/api/v1/coaching/mentorships/{id}/meetings/"]
    # Reading too: after the end its coach keeps only the summary (mentorship_ended).
    assert "409" in meetings["post"]["responses"] and "409" in meetings["get"]["responses"]
    assert "409" not in paths["/api/v1/coaching/mentorships/{id}/"]["get"]["responses"]
    consents = paths["/api/v1/me/consents/"]
    assert "409" in consents["post"]["responses"] and "409" not in consents["get"]["responses"]


def test_schema_writes_answers_as_they_are_sent(openapi):
    schemas = openapi["components"]["schemas"]
    assert schemas["CourseStatusEnum"]["enum"] == ["draft", "published", "cancelled"]
    assert schemas["NewCourseStatusEnum"]["enum"] == ["draft", "published"]
    assert schemas["CourseRequest"]["properties"]["status"]["allOf"] == [
        {"$ref": "#/components/schemas/NewCourseStatusEnum"}
    ]
    assert {"$ref": "#/components/schemas/BlankEnum"} in schemas["Booking"]["properties"][
        "cancel_reason"
    ]["oneOf"]
    course = schemas["Course"]
    assert course["properties"]["online_meeting_link"]["nullable"] is True
    assert course["properties"]["municipality_name"]["nullable"] is True
    assert set(course["required"]) == set(course["properties"])
    # DRF sends 18:00:00; availability slots are written 18:00. Neither is RFC 3339 `time`.
    start = course["properties"]["start_time"]
    assert "format" not in start
    assert start["pattern"] == r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$"
    assert schemas["TimeRange"]["properties"]["start"]["pattern"] == r"^[0-9]{2}:[0-9]{2}$"
    accept = openapi["paths"]["/api/v1/coaching/proposals/{id}/accept/"]["post"]
    assert accept["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Mentorship"
    }


@pytest.mark.django_db
def test_an_api_path_no_route_matches_answers_404_in_the_error_shape(client):
    response = client.get("/api/v1/courses/0.5/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
