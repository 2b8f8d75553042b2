"""Answers of the API are never kept by a cache.

API answers carry personal data (bookings, mentees, contact details) and
depend on who asks: the session token, the session cookie, the language. A
shared cache (a proxy, a CDN someone puts in front later) must never keep
them, and a browser must not reuse one person's answer for another on a
shared phone. So every answer under the API prefixes is ``no-store`` and
varies on everything that identifies the caller.
"""

from django.utils.cache import patch_cache_control, patch_vary_headers

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
