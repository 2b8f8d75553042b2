"""One JSON shape for every API error, in the user's language.

``{"error": {"code": "...", "message": "...", "fields": {...}}}``: ``code`` is
stable for programs, ``message`` is for people, ``fields`` maps input fields
to their messages for validation errors. Business rules raise
``DomainError`` subclasses from services; the API turns them into 4xx here,
so a view never needs to know the rule.

A database that is briefly busy (a deadlock, a serialization failure, a lock
not free in time) or away (the connection failed or was cut) answers 503
with Retry-After, here for the API and in ``common.views.server_error`` for
pages; any other database error is a bug and stays a logged 500.
"""

import logging
import sqlite3

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule a user's request broke. Raised by services; changes nothing."""

    code = "invalid"
    status_code = status.HTTP_400_BAD_REQUEST
    headers: dict[str, str] = {}

    def __init__(self, message=None, *, code=None, fields=None):
        self.message = message if message is not None else self.default_message()
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(str(self.message))

    def default_message(self):
        return _("The request could not be processed.")


class InvalidInput(DomainError):
    """Input a rule refuses (a date beyond the limits, a line break in a name),
    named by field: the same shape as DRF's validation errors."""

    code = "validation_error"

    def default_message(self):
        return _("Please check the highlighted fields.")


class Conflict(DomainError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT


class NotAllowed(DomainError):
    """The person may use this function, but not on this object."""

    code = "permission_denied"
    status_code = status.HTTP_403_FORBIDDEN


class Busy(DomainError):
    """A lock could not be taken in time: nothing happened, try again shortly."""

    code = "busy"
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    headers = {"Retry-After": "2"}

    def default_message(self):
        return _("Many people are booking right now. Nothing was changed; please try again.")


class DatabaseBusy(Busy):
    """The database gave up on a transaction (deadlock, serialization failure,
    lock or statement timeout): it was rolled back, try again."""

    def default_message(self):
        return _(
            "Many people are using Kurslotse right now. Nothing was changed; please try again."
        )


class ServiceUnavailable(DomainError):
    """A server we depend on (the database) cannot be reached right now."""

    code = "unavailable"
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    headers = {"Retry-After": "10"}

    def default_message(self):
        return _("Kurslotse is briefly unavailable. Please try again in a moment.")


# SQLSTATEs that mean "try again": class 40 (transaction rollback: 40001
# serialization failure, 40P01 deadlock), 55P03 lock not available (our
# lock_timeout), 57014 query cancelled (statement_timeout).
_BUSY_SQLSTATES = ("40", "55P03", "57014")
# ... and "the server is away": class 08 (connection exception), 57P01-57P03
# (shut down, crashed, starting up: pg_terminate_backend is 57P01), 53300 too
# many connections.
_AWAY_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def _sqlstate_error(exc: BaseException):
    """The driver's error behind Django's wrapper (Django raises ``from`` it)."""
    seen = 0
    while exc is not None and seen < 5:
        if hasattr(exc, "sqlstate") or isinstance(exc, sqlite3.Error):
            return exc
        exc = exc.__cause__  # type: ignore[assignment]
        seen += 1
    return None


def transient_database_error(exc: BaseException | None) -> DomainError | None:
    """``DatabaseBusy`` or ``ServiceUnavailable`` if ``exc`` is a database error
    that trying again shortly can cure; None for everything else (a programming
    error, a constraint, bad data: those are bugs and stay 500)."""
    from django.db import InterfaceError, OperationalError

    if not isinstance(exc, OperationalError | InterfaceError):
        return None
    driver = _sqlstate_error(exc)
    if isinstance(driver, sqlite3.Error):
        text = str(driver).lower()
        return DatabaseBusy() if "database is locked" in text or "table is locked" in text else None
    if driver is None:
        return None
    sqlstate = getattr(driver, "sqlstate", None)
    if sqlstate is None:
        # psycopg gives no SQLSTATE when there is no server to ask: refused,
        # timed out, or the connection closed under us.
        import psycopg

        away = isinstance(driver, psycopg.OperationalError | psycopg.InterfaceError)
        return ServiceUnavailable() if away else None
    if sqlstate.startswith(_BUSY_SQLSTATES):
        return DatabaseBusy()
    if sqlstate.startswith(_AWAY_SQLSTATES):
        return ServiceUnavailable()
    return None


def _flatten(detail):
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        flat = [_flatten(item) for item in detail]
        return flat[0] if len(flat) == 1 and isinstance(flat[0], str) else flat
    return str(detail)


def body_too_large_message() -> str:
    limit_kb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
    return _("The request is too large (at most %(kb)s KB).") % {"kb": limit_kb}


def error_body(code: str, message, fields=None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(
            error_body(exc.code, exc.message, _flatten(exc.fields)),
            status=exc.status_code,
            headers=exc.headers,
        )
    if isinstance(exc, RequestDataTooBig):
        # Django's own check (request.body, form data); common.middleware
        # refuses most such bodies by their Content-Length before this.
        return Response(
            error_body("body_too_large", body_too_large_message()),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    transient = transient_database_error(exc)
    if transient is not None:
        view = context.get("view")
        logger.warning(
            "Database %s in %s: answered 503",
            transient.code,
            type(view).__name__ if view else "API",
            exc_info=exc,
        )
        return Response(
            error_body(transient.code, transient.message),
            status=transient.status_code,
            headers=transient.headers,
        )
    if isinstance(exc, DjangoValidationError):
        # Model invariants (Model.clean) checked by a service: same shape as DRF's.
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        view = context.get("view")
        logger.exception("Unhandled error in %s", type(view).__name__ if view else "API")
        return Response(
            error_body(
                "server_error", _("Something went wrong on our side. Please try again later.")
            ),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list | str):
            fields = {"non_field_errors": fields}
        message = _("Please check the highlighted fields.")
        response.data = error_body("validation_error", message, fields)
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response.data = error_body(code, _flatten(exc.detail))
    return response
