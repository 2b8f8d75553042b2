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
