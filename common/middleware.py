"""Middleware of the whole site: request limits and private API answers.

**Request limits** (``RequestLimitsMiddleware``).
- A body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (by its Content-Length)
  is answered 413 without reading it. Django checks that setting only when
  ``request.body`` or ``request.POST`` is read; DRF's parsers read the stream
  directly and would not check it at all.
- A JSON body nested deeper than ``KURSLOTSE_MAX_JSON_DEPTH`` is answered
  400 (``json_too_deep``): Python's json would raise ``RecursionError`` on
  it, a 500 in any view that parses JSON itself (allauth's headless API).

API paths get the error shape of ``common.errors``; pages get a page.

**Private API answers** (``PrivateApiResponses``). API answers carry
personal data (bookings, mentees, contact details) and depend on who asks:
the session token, the session cookie, the language. A
shared cache (a proxy, a CDN someone puts in front later) must never keep
them, and a browser must not reuse one person's answer for another on a
shared phone. So every answer under the API prefixes is ``no-store`` and
varies on everything that identifies the caller.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers

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


PRIVATE_PREFIXES = ("/api/v1/", "/_allauth/")
# What tells one caller from another (allauth's app clients send X-Session-Token).
CALLER_HEADERS = ("Authorization", "X-Session-Token", "Cookie", "Accept-Language")


class PrivateApiResponses:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(PRIVATE_PREFIXES):
            patch_cache_control(response, no_store=True, private=True)
            patch_vary_headers(response, CALLER_HEADERS)
        return response
