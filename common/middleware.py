"""Limits every request body meets before any view (or allauth) reads it.

- A body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (by its Content-Length)
  is answered 413 without reading it. Django checks that setting only when
  ``request.body`` or ``request.POST`` is read; DRF's parsers read the stream
  directly and would not check it at all.
- A JSON body nested deeper than ``KURSLOTSE_MAX_JSON_DEPTH`` is answered
  400 (``json_too_deep``): Python's json would raise ``RecursionError`` on
  it, a 500 in any view that parses JSON itself (allauth's headless API).

API paths get the error shape of ``common.errors``; pages get a page.
"""

from django.conf import settings

from .errors import body_too_large_message
from .parsers import json_too_deep, too_deep_message
from .views import refusal

# Form posts are parsed by Django's own (iterative) parsers; every other body
# may be read as JSON by someone (DRF, allauth reads any body as JSON).
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return refusal(request, 413, "body_too_large", body_too_large_message())
        if length and request.content_type not in FORM_TYPES:
            try:
                text = request.body.decode(request.encoding or settings.DEFAULT_CHARSET)
            except UnicodeDecodeError:
                text = ""  # not ours to judge: the parser answers 400
            if json_too_deep(text):
                return refusal(request, 400, "json_too_deep", too_deep_message())
        return self.get_response(request)
