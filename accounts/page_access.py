"""Who may open a web page: the same role declarations as the API.

A page view lists, per HTTP method, the roles that may use it::

    class CourseSearch(RolePageMixin, TemplateView):
        allowed_roles = {"get": PUBLIC}

Anything not declared is refused (fails closed). Visitors who are not signed
in are sent to the sign-in page and come back afterwards; a coordinator who
must still set up two-factor authentication is sent to do that; anyone else
without the role gets the 403 page. Which *objects* a person may see is the
selector's business: someone else's booking answers 404, not 403.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .roles import COORDINATOR, coordinator_mfa_pending, roles_of


def page_roles(view, method: str) -> frozenset[str]:
    """The roles the view admits for an HTTP method (HEAD counts as GET)."""
    method = "get" if method.lower() == "head" else method.lower()
    return frozenset((getattr(view, "allowed_roles", None) or {}).get(method, ()))


class RolePageMixin:
    allowed_roles: dict[str, frozenset[str]] = {}

    def dispatch(self, request, *args, **kwargs):
        allowed = page_roles(self, request.method)
        if "anonymous" in allowed or roles_of(request.user) & allowed:
            return super().dispatch(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if COORDINATOR in allowed and coordinator_mfa_pending(request.user):
            return send_to_mfa_setup(request)
        raise PermissionDenied


def send_to_mfa_setup(request):
    """A coordinator without the required second factor: say why, then set it up."""
    messages.warning(
        request,
        _(
            "Coordinator functions need two-factor authentication. "
            "Please set up an authenticator app in your account first."
        ),
    )
    return redirect("mfa_activate_totp")
