"""Teach drf-spectacular what the API really does, so the OpenAPI schema tells the whole truth.

- How callers authenticate (``SessionTokenScheme``), and that public operations
  need no authentication at all.
- Every error each operation can answer, derived from what the view declares
  rather than written on every view: ``allowed_roles`` (401/403), ids in the
  path and pagination (404), a request body (400, 413, 415) or query filters (400), the
  ``Idempotency-Key`` header (422), and the view's ``rule_errors`` for what its
  services' rules refuse (409, and the odd 404 of an object the path does not
  name). Every operation may answer ``503 busy`` with ``Retry-After``. All of
  them have the one error shape of ``common.errors`` (the ``Error`` component).
- Answers as they are sent: every field of an answer is present (required),
  read-only fields with a ``None`` default and blank choices are nullable or
  blank, and times are written in the format the field sends.

``tests/test_schemathesis.py`` checks all of this against the running API.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.settings import ISO_8601
from rest_framework.settings import api_settings as drf_settings

from .permissions import action_of

ERROR = "Error"
RETRY_AFTER = "RetryAfter"


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.SessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Session-Token",
            "description": "The session token from POST /_allauth/app/v1/auth/login.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "description": 'Every error: `{"error": {"code", "message", "fields"}}`.',
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable, for programs."},
                "message": {
                    "type": "string",
                    "description": "For people, in the caller's language.",
                },
                "fields": {
                    "type": "object",
                    "additionalProperties": {},
                    "description": "Input field → its messages (a message, a list, or the "
                    "same shape again for nested input); empty unless input was refused.",
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

# status: (description, codes it always carries or None for open-ended ones)
ERRORS = {
    "400": (
        "The input was refused; nothing changed. `validation_error` names each refused "
        "field in `fields`; a rule that refused it has its own code (e.g. `invalid_children`).",
        None,
    ),
    "401": ("Not signed in: send `X-Session-Token`.", ["not_authenticated"]),
    "403": (
        "Signed in, but not allowed: the role may not do this (`permission_denied`), or a "
        "coordinator must set up two-factor authentication first (`mfa_required`).",
        ["permission_denied", "mfa_required"],
    ),
    "404": (
        "No such object, or not one the caller may see (or no such page).",
        ["not_found"],
    ),
    "409": (
        "The object's state does not allow this (e.g. `already_booked`, `offer_expired`); "
        "nothing changed.",
        None,
    ),
    "413": ("The request body is larger than allowed; nothing changed.", None),
    "415": (
        "The body is not in a media type the operation reads (send `application/json`).",
        ["unsupported_media_type"],
    ),
    "422": (
        "This Idempotency-Key was already used for a different request.",
        ["idempotency_key_reused"],
    ),
    "503": (
        "Busy (a lock was not free in time, or the database briefly away): nothing changed; "
        "send it again after `Retry-After` seconds.",
        ["busy"],
    ),
}

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PAGINATION_PARAMETERS = {"page", "page_size"}


def _error_response(status: str) -> dict:
    description, codes = ERRORS[status]
    schema: dict = {"$ref": f"#/components/schemas/{ERROR}"}
    if codes:
        schema = {
            "allOf": [
                schema,
                {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {"code": {"type": "string", "enum": codes}},
                        }
                    },
                },
            ]
        }
    response: dict = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if status == "503":
        response["headers"] = {"Retry-After": {"$ref": f"#/components/headers/{RETRY_AFTER}"}}
    return response


def _time_pattern(field: serializers.TimeField, direction: str) -> dict:
    """Times as the field writes them (DRF sends ``18:00:00`` by default, some fields
    ``18:00``), not RFC 3339's ``time``, which needs a UTC offset the API never sends."""
    if direction == "request":
        return {
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
            "example": "18:00",
            "description": "Local time (Europe/Berlin), `HH:MM` or `HH:MM:SS`.",
        }
    output = getattr(field, "format", drf_settings.TIME_FORMAT)
    if output in (None, ISO_8601):
        return {
            "pattern": r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?$",
            "example": "18:00:00",
            "description": "Local time (Europe/Berlin), `HH:MM:SS`.",
        }
    if output == "%H:%M":
        return {
            "pattern": r"^[0-9]{2}:[0-9]{2}$",
            "example": "18:00",
            "description": "Local time (Europe/Berlin), `HH:MM`.",
        }
    return {"description": f"Local time (Europe/Berlin), as `{output}`."}


def _model_field(field):
    """The model field behind a ModelSerializer field, if there is one."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        return model._meta.get_field(field.source)
    except Exception:  # not a model field (a property, a method)
        return None


class AutoSchema(SpectacularAutoSchema):
    """The project's schema class (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        self._register_error_components()
        responses = operation["responses"]
        for status in sorted(self._error_statuses(operation)):
            responses.setdefault(status, _error_response(status))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    # --- Who may call it --------------------------------------------------------------------

    def _declared_roles(self) -> frozenset[str]:
        table = getattr(self.view, "allowed_roles", None) or {}
        return frozenset(table.get(action_of(self.view, self.method), ()))

    def _is_public(self) -> bool:
        return "anonymous" in self._declared_roles()

    def get_auth(self):
        auths = super().get_auth()
        if self._is_public() and {} not in auths:
            auths.append({})  # signing in is optional: it may show more, never less
        return auths

    # --- What it can answer -----------------------------------------------------------------

    def _error_statuses(self, operation: dict) -> set[str]:
        statuses = {"503"}
        if not self._is_public():
            statuses |= {"401", "403"}
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p["in"] == "query"}
        headers = {p["name"] for p in parameters if p["in"] == "header"}
        if any(p["in"] == "path" for p in parameters) or query & PAGINATION_PARAMETERS:
            statuses.add("404")
        if "requestBody" in operation:
            statuses |= {"400", "413", "415"}
        if query - PAGINATION_PARAMETERS:
            statuses.add("400")
        if "Idempotency-Key" in headers:
            statuses |= {"400", "422"}
        rules = getattr(self.view, "rule_errors", None) or {}
        action = action_of(self.view, self.method)
        for key in (action, (action, self.method.lower())):
            statuses |= {str(code) for code in rules.get(key, ())}
        return statuses

    def _register_error_components(self) -> None:
        self.registry.register_on_missing(
            ResolvedComponent(
                name=ERROR, type=ResolvedComponent.SCHEMA, object=ERROR, schema=ERROR_SCHEMA
            )
        )
        self.registry.register_on_missing(
            ResolvedComponent(
                name=RETRY_AFTER,
                type=ResolvedComponent.HEADER,
                object=RETRY_AFTER,
                schema={
                    "description": "Seconds to wait before sending the request again.",
                    "schema": {"type": "integer", "minimum": 1},
                    "required": True,
                },
            )
        )

    # --- Fields as they are sent ------------------------------------------------------------

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema is None or "$ref" in schema:
            return schema
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            del schema["format"]
            details = _time_pattern(field, direction)
            if field.help_text:
                details.pop("description", None)
            schema.update(details)
        if (
            direction == "response"
            and isinstance(field, serializers.ChoiceField)
            and field.read_only
            and "" not in schema.get("enum", [""])
        ):
            # DRF drops ``allow_blank`` from read-only fields; the model may still hold "".
            model_field = _model_field(field)
            if model_field is not None and model_field.blank:
                schema["enum"] = [*schema["enum"], ""]
        return schema

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and getattr(field, "read_only", False):
            # ``source="venue.name", default=None``: null when the object is missing.
            if field.default is None:
                meta["nullable"] = True
            model_field = _model_field(field)
            if model_field is not None and model_field.null:
                meta["nullable"] = True
        return meta

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and schema.get("properties"):
            # A serializer writes every readable field, so an answer always has them all.
            schema["required"] = sorted(schema["properties"])
        return schema

    def _unwrap_list_serializer(self, serializer, direction):
        """A body that is a list (``many=True``) keeps its ``max_length`` as ``maxItems``."""
        schema = super()._unwrap_list_serializer(serializer, direction)
        limit = getattr(serializer, "max_length", None)
        if schema and schema.get("type") == "array" and limit is not None:
            schema["maxItems"] = limit
        return schema
