"""API authentication: allauth's app session token (``X-Session-Token``)."""

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's class, plus a ``WWW-Authenticate`` challenge so that a missing or
    expired token answers 401 (sign in again), distinct from 403 (not allowed)."""

    def authenticate_header(self, request) -> str:
        return 'X-Session-Token realm="api"'
