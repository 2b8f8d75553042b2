"""The private calendar feed: ``GET /calendars/<token>.ics``, no login; the
page where a signed-in person finds (and renews) their feed link; and the
``.ics`` download of one booking (``/bookings/<id>/calendar.ics``, routed in
``courses/urls.py`` next to the other "my bookings" pages).

The token in the URL is the only credential, so it never reaches a log line
of ours: unknown tokens answer a plain 404 that Django's request logger is
told not to log (it would print the path), and failures are logged with the
user's id instead of the URL. gunicorn's access log masks the token
(``backend/gunicorn_logging.py``, used by the Dockerfile and docker-compose).

Polling calendars revalidate cheaply: the ETag is a digest of what the feed
is made of, read in one statement before anything is built
(``feed_version.feed_etag``), and ``If-None-Match`` answers 304 without
building the feed. The events carry LAST-MODIFIED; the response has no
Last-Modified header, because a feed also changes when an event leaves it (a
cancelled booking), which no event's timestamp records. The body is built
from each course copy's and meeting's serialised VEVENTs, kept per process
by what they are made of (``feeds.personal_feed``: only changed courses are
read and serialised again), and kept by its ETag (``feeds.body_for_etag``):
an unconditional GET of an unchanged feed is served without a build.
"""

import logging

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from accounts.page_access import RolePageMixin
from accounts.roles import LEARNER, SIGNED_IN
from courses.constants import BookingStatus
from courses.selectors import my_bookings

from . import selectors, services
from .builders import has_dates
from .events import Method
from .feed_version import feed_etag
from .feeds import body_for_etag, personal_feed
from .invitations import course_invitation

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
    language = user.preferred_language or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            since = selectors.region_feed_since() if region is not None else None
            # Before the build: the body is never older than its ETag.
            etag = feed_etag(user, region, since, language)
            unchanged = get_conditional_response(request, etag=etag)
            if unchanged is not None:  # a 304 (or 412), without building anything
                return _with_feed_headers(unchanged, etag)
            body = body_for_etag(
                etag,
                lambda: personal_feed(
                    user, region=region, since=since, name=selectors.feed_name(region)
                ),
            )
    except Exception:
        logger.exception("calendar feed of user %s failed", user.pk)
        return _unlogged(HttpResponse("Server error", status=500, content_type="text/plain"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kurslotse.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return _with_feed_headers(response, etag)


def _with_feed_headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


# --- The subscription page ------------------------------------------------------------------


def feed_urls(request: HttpRequest, token: str) -> dict[str, str]:
    """The feed as https URL (to paste) and as webcal:// link (opens the calendar app)."""
    url = request.build_absolute_uri(reverse("calendars:feed", kwargs={"token": token}))
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


class SubscriptionView(RolePageMixin, TemplateView):
    """One's private calendar link with a QR code for the phone, and how to add it.

    The page shows a secret (anyone with the link reads the dates), so it is
    never cached; a new link can be made at any time (``SubscriptionRotateView``).
    """

    allowed_roles = {"get": SIGNED_IN}
    template_name = "calendars/subscription.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        urls = feed_urls(self.request, services.feed_token(self.request.user))
        context.update(urls)
        context["qr_data_uri"] = segno.make(urls["webcal_url"], error="m").svg_data_uri(
            scale=4, border=2
        )
        context["region_feeds"] = selectors.region_feed_allowed(self.request.user)
        return context

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class SubscriptionRotateView(RolePageMixin, TemplateView):
    """Ask first (GET), then issue a new link (POST): the old one stops working at once."""

    allowed_roles = {"get": SIGNED_IN, "post": SIGNED_IN}
    template_name = "calendars/subscription_rotate.html"

    def post(self, request):
        services.rotate_feed_token(request.user)
        messages.success(
            request,
            _(
                "Your calendar has a new link. The old link no longer works: "
                "add the new one to your calendar app below."
            ),
        )
        return redirect("calendars:subscription")


# --- One booking as a file ------------------------------------------------------------------


class BookingCalendarView(RolePageMixin, View):
    """The course of one's confirmed booking as an ``.ics`` file to import.

    ``METHOD:PUBLISH`` without attendees: a download is not an invitation to
    answer (a REQUEST would make clients offer accept/decline buttons and
    send replies). It is the same event (UID, SEQUENCE) as the invitations
    by email, so later updates by email replace the imported one.
    """

    allowed_roles = {"get": frozenset({LEARNER})}

    def get(self, request, pk):
        booking = get_object_or_404(
            my_bookings(request.user)
            .filter(status=BookingStatus.CONFIRMED)
            .select_related("learner", "course__venue", "course__municipality")
            .prefetch_related(selectors.sessions_prefetch("course__")),
            pk=pk,
        )
        if not has_dates(selectors.booking_event(booking)):
            raise Http404("This course has no date yet.")
        ics = course_invitation(booking, Method.PUBLISH)
        response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="kurslotse-course-{booking.course_id}.ics"'
        )
        response["Cache-Control"] = "private, no-store"
        return response
