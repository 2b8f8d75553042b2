"""One JSON shape for every API error, in the user's language.

``{"error": {"code": "...", "message": "...", "fields": {...}}}``: ``code`` is
stable for programs, ``message`` is for people, ``fields`` maps input fields
to their messages for validation errors. Business rules raise
``DomainError`` subclasses from services; the API turns them into 4xx here,
so a view never needs to know the rule.
"""

import logging

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
