"""Pages of the frame that belong to no app."""

import sys

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views import defaults
from django.views.generic import RedirectView

from accounts.page_access import RolePageMixin
from accounts.roles import PUBLIC

from .errors import error_body, transient_database_error


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
    if request.path.startswith("/api/"):
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
