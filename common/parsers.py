"""JSON bodies with a bounded depth.

Python's ``json`` parses nested arrays and objects recursively: a body of a
few thousand ``[`` raises ``RecursionError`` (a 500), and even below that
limit deep nesting costs stack for nothing — no body of this API is deeper
than a handful of levels. ``json_too_deep`` counts brackets outside strings
with no recursion at all, before anything is parsed.
"""

import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import get_encoding  # type: ignore[attr-defined]
from rest_framework.utils import json as drf_json

# A JSON string: quote, any non-quote/non-backslash characters or escapes, quote.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def json_too_deep(text: str, limit: int | None = None) -> bool:
    """Whether arrays/objects in ``text`` nest deeper than ``limit`` levels."""
    limit = settings.KURSLOTSE_MAX_JSON_DEPTH if limit is None else limit
    depth = 0
    for char in _NOT_A_BRACKET.sub("", _STRING.sub("", text)):
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def too_deep_message() -> str:
    return _("The JSON body is nested too deeply (at most %(n)s levels).") % {
        "n": settings.KURSLOTSE_MAX_JSON_DEPTH
    }


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than the limit (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError as error:
            raise ParseError(_("The body is not valid JSON.")) from error
        if json_too_deep(text):
            raise ParseError(too_deep_message(), code="json_too_deep")
        try:
            # DRF's json.loads refuses NaN and Infinity, as JSON does.
            return drf_json.loads(text)
        except RecursionError as error:  # a safety net; the depth check comes first
            raise ParseError(too_deep_message(), code="json_too_deep") from error
        except ValueError as error:
            raise ParseError(_("The body is not valid JSON.")) from error
