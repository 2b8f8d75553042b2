"""Small security promises: private API answers, passwords, the access log."""

import logging
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from backend.gunicorn_logging import MaskingLogger, mask_feed_tokens

ROOT = Path(settings.BASE_DIR)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/api/v1/me/", "/api/v1/bookings/", "/api/v1/courses/", "/_allauth/app/v1/auth/session"],
)
def test_api_answers_are_never_stored_by_any_cache_and_vary_on_the_caller(as_user, learner, path):
    response = as_user(learner).get(path)
    assert response.status_code < 500
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives
    vary = {part.strip().lower() for part in response["Vary"].split(",")}
    assert {"authorization", "x-session-token", "cookie", "accept-language"} <= vary


@pytest.mark.django_db
def test_web_pages_keep_their_own_caching(client):
    """The middleware speaks only for the API: the catalogue page is untouched."""
    response = client.get("/courses/")
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("password", ["kurz-und-gu", "Sommer2026!"])
def test_passwords_shorter_than_twelve_characters_are_refused(password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert any(error.code == "password_too_short" for error in refused.value.error_list)


def test_a_twelve_character_passphrase_is_accepted_and_common_passwords_stay_refused():
    validate_password("kocher-fluss-7")
    with pytest.raises(ValidationError) as refused:
        validate_password("1qaz2wsx3edc")
    assert any(error.code == "password_too_common" for error in refused.value.error_list)


TOKEN = "Ab3_" + "x" * 40


def test_feed_tokens_are_masked_in_any_text():
    line = f"GET /calendars/{TOKEN}.ics?region=NE HTTP/1.1 and /calendars/subscription/"
    assert mask_feed_tokens(line) == (
        "GET /calendars/***.ics?region=NE HTTP/1.1 and /calendars/subscription/"
    )


def test_gunicorns_access_log_line_carries_no_feed_token():
    """The real gunicorn logger class, formatting a real access line."""
    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", "-")
    logger = MaskingLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/calendars/{TOKEN}.ics",
        "PATH_INFO": f"/calendars/{TOKEN}.ics",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://kurse.example/calendars/{TOKEN}.ics",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("HOST", "kurse.example")])
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.access_log.addHandler(handler)
    logger.access(response, request, environ, timedelta(milliseconds=3))
    lines = [record.getMessage() for record in records]
    assert lines and all(TOKEN not in line for line in lines)
    assert "/calendars/***.ics" in lines[0]


def test_production_starts_gunicorn_with_the_masking_logger():
    conf = (ROOT / "backend" / "gunicorn.conf.py").read_text()
    assert re.search(r'logger_class = "backend.gunicorn_logging.MaskingLogger"', conf)
    assert "-c backend/gunicorn.conf.py" in (ROOT / "docker-compose.yml").read_text()
    assert '"-c", "backend/gunicorn.conf.py"' in (ROOT / "Dockerfile").read_text()


def test_a_refused_request_is_logged_in_one_line_without_a_traceback():
    """A 403 is logged by Django with the PermissionDenied traceback attached;
    our handler's filter keeps the line and drops the trace (5xx keep theirs)."""
    from common.log_filters import NoTracebackForClientErrors

    try:
        raise PermissionError("not yours")
    except PermissionError:
        import sys

        info = sys.exc_info()
    refused = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Forbidden: %s", ("/x",), info
    )
    refused.status_code = 403
    broken = logging.LogRecord("django.request", logging.ERROR, "", 0, "Error: %s", ("/y",), info)
    broken.status_code = 500
    keep = NoTracebackForClientErrors()
    assert keep.filter(refused) and refused.exc_info is None
    assert keep.filter(broken) and broken.exc_info is info
    handlers = settings.LOGGING["handlers"]["console"]["filters"]
    assert "no_client_tracebacks" in handlers
