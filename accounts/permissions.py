"""The single DRF permission class: every view declares its roles per action.

Views set ``allowed_roles = {"list": PUBLIC, "create": {COORDINATOR}, ...}``
(keys are ViewSet actions, or HTTP methods in lower case for plain API
views). Undeclared actions are refused. Object-level visibility is not
decided here but by the view's queryset (a selector), so other people's
objects answer 404 rather than revealing that they exist.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import MethodNotAllowed, NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission

from .roles import COORDINATOR, coordinator_mfa_pending, roles_of


def action_of(view, method: str) -> str:
    """The key a view declares things under: the ViewSet action, else the HTTP method."""
    return getattr(view, "action", None) or method.lower()


def declared_roles(view, request) -> frozenset[str]:
    """The roles the view admits for this request's action (empty = nobody)."""
    table = getattr(view, "allowed_roles", None) or {}
    return frozenset(table.get(action_of(view, request.method), ()))


class MFARequired(PermissionDenied):
    default_detail = _(
        "Coordinator functions need two-factor authentication. "
        "Please set up an authenticator app in your account first."
    )
    default_code = "mfa_required"


class RolePermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        action_map = getattr(view, "action_map", None)
        if action_map is not None and request.method.lower() not in (*action_map, "options"):
            # A method the route does not have (PUT where only PATCH exists): 405 for
            # everyone, as HTTP says, before any question of who is asking.
            raise MethodNotAllowed(request.method)
        allowed = declared_roles(view, request)
        held = roles_of(request.user)
        if "anonymous" in allowed:
            return True
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        if held & allowed:
            return True
        if COORDINATOR in allowed and coordinator_mfa_pending(request.user):
            raise MFARequired()
        return False
