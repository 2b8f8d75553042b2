"""Pages of the frame that belong to no app."""

from django.http import JsonResponse
from django.templatetags.static import static
from django.views import defaults
from django.views.generic import RedirectView
from rest_framework.exceptions import NotFound

from accounts.page_access import RolePageMixin
from accounts.roles import PUBLIC

from .errors import error_body


class FaviconView(RolePageMixin, RedirectView):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's).

    Resolved per request: in production the static URL has a content hash
    that only exists after collectstatic."""

    allowed_roles = {"get": PUBLIC}
    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")


def not_found(request, exception=None):
    """Django's 404 handler: an API path no route matches (``/api/v1/courses/0.5/``)
    answers in the API's error shape, as its schema says; pages get the usual page."""
    if request.path.startswith("/api/"):
        body = error_body(NotFound.default_code, NotFound.default_detail)
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)
