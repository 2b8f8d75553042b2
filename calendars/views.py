"""The private calendar feed: ``GET /calendars/<token>.ics``, no login.

The token in the URL is the only credential, so it never reaches a log line
of ours: unknown tokens answer a plain 404 that Django's request logger is
told not to log (it would print the path), and failures are logged with the
user's id instead of the URL. Web server access logs are outside Django;
production should not log query paths of ``/calendars/`` (see README).

Polling calendars revalidate cheaply: the ETag is a hash of the body, and
``If-None-Match`` answers 304. There is no Last-Modified: session moves and
meeting changes keep no timestamp, so a date could only lie.
"""

import hashlib
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from . import selectors, services
from .builders import feed

logger = logging.getLogger(__name__)

CACHE_CONTROL = "private, max-age=900"


def _unlogged(response: HttpResponse) -> HttpResponse:
    # django.utils.log.log_response skips responses marked so; otherwise every
    # 4xx/5xx is logged with the request path, i.e. with the token.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = services.user_for_token(token)
    if user is None:
        return _unlogged(HttpResponse("Not found", status=404, content_type="text/plain"))
    region = None
    requested = request.GET.get("region")
    if requested and selectors.region_feed_allowed(user):
        region = selectors.valid_region(requested.upper())
        if region is None:
            return _unlogged(HttpResponseBadRequest("Unknown region", content_type="text/plain"))
    try:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            events = selectors.feed_events(user, region=region)
            body = feed(events, name=selectors.feed_name(region))
    except Exception:
        logger.exception("calendar feed of user %s failed", user.pk)
        return _unlogged(HttpResponse("Server error", status=500, content_type="text/plain"))
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Content-Disposition"] = 'inline; filename="kurslotse.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    # A 304 keeps ETag and Cache-Control (Django copies them over).
    return get_conditional_response(request, etag=etag, response=response) or response
