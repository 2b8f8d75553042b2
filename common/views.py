"""Pages of the frame that belong to no app, and the answers to requests
that never reach a view (no such route, a body over the limit)."""

import sys

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views import View, defaults
from django.views.generic import RedirectView, TemplateView
from rest_framework.exceptions import NotFound

from accounts.page_access import RolePageMixin
from accounts.roles import PUBLIC

from .errors import error_body, transient_database_error

# Paths answered in JSON: our API and allauth's headless API.
API_PREFIXES = ("/api/", "/_allauth/")


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIXES)


def refusal(request, status: int, code: str, message: str):
    """An error answered before any view ran: the API's error shape on API
    paths, a page (``templates/<status>.html``) elsewhere."""
    if is_api_request(request):
        return JsonResponse(error_body(code, message), status=status)
    return render(request, f"{status}.html", {"message": message}, status=status)


def not_found(request, exception=None):
    """``handler404``: a path no route matches (e.g. ``/api/v1/courses/abc/``)."""
    if is_api_request(request):
        return JsonResponse(error_body("not_found", NotFound.default_detail), status=404)
    return defaults.page_not_found(request, exception)


class ServiceWorkerView(RolePageMixin, View):
    """``static/js/sw.js`` at the root of the site, so its scope is every page
    (a worker under /static/ could only see /static/). Read once per process;
    browsers check for a new one on every visit (no-cache), see common/offline.py."""

    allowed_roles = {"get": PUBLIC}
    _script: bytes | None = None

    @classmethod
    def script(cls) -> bytes:
        if cls._script is None:
            path = finders.find("js/sw.js")
            assert isinstance(path, str), "static/js/sw.js is missing"
            with open(path, "rb") as file:
                cls._script = file.read()
        return cls._script

    def get(self, request):
        response = HttpResponse(self.script(), content_type="text/javascript; charset=utf-8")
        response["Service-Worker-Allowed"] = "/"
        response["Cache-Control"] = "no-cache"
        return response


class OfflinePageView(RolePageMixin, TemplateView):
    """What the service worker shows for a page it has no copy of, without signal."""

    allowed_roles = {"get": PUBLIC}
    template_name = "offline.html"


class FaviconView(RolePageMixin, RedirectView):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's).

    Resolved per request: in production the static URL has a content hash
    that only exists after collectstatic."""

    allowed_roles = {"get": PUBLIC}
    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """``handler500``: what a page (or an API call that failed before DRF took
    it, e.g. in a middleware) answers for an exception nobody handled.

    A database that is busy or away is no bug: 503 with Retry-After, as a page
    in the visitor's language or in the API's error shape. The page is
    rendered without context processors, which would ask the database again.
    Anything else stays Django's 500. Django has logged the exception already.
    """
    transient = transient_database_error(sys.exc_info()[1])
    if transient is None:
        return defaults.server_error(request, template_name)
    if is_api_request(request):
        response: HttpResponse = JsonResponse(
            error_body(transient.code, transient.message), status=transient.status_code
        )
    else:
        context = {
            "request": request,
            "site_name": settings.KURSLOTSE_SITE_NAME,
            "message": transient.message,
        }
        response = HttpResponse(render_to_string("503.html", context), status=transient.status_code)
    for header, value in transient.headers.items():
        response[header] = value
    return response
