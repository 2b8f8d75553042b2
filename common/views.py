"""Pages of the frame that belong to no app, and the answers to requests
that never reach a view (no such route, a body over the limit)."""

from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views import defaults
from django.views.generic import RedirectView
from rest_framework.exceptions import NotFound

from accounts.page_access import RolePageMixin
from accounts.roles import PUBLIC

from .errors import error_body

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


class FaviconView(RolePageMixin, RedirectView):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's).

    Resolved per request: in production the static URL has a content hash
    that only exists after collectstatic."""

    allowed_roles = {"get": PUBLIC}
    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")
