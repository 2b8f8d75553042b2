"""What a learner's phone may keep for when it has no signal, and when it forgets.

A learner on the bus to class opens their bookings, the course page or the
start page; in a valley without signal those pages should still be there.
``static/js/sw.js`` (a service worker served by the app at ``/sw.js``) keeps
a copy of a page only when the answer says ``Kurslotse-Offline: keep``, so
the rule of what may be kept lives here, once, on the server:

- only pages (GET, 200, HTML) of a signed-in learner, and only these: the
  start page, their bookings, a course page;
- never the API, never a coordinator's, coach's or teacher's page (other
  people's personal data), never a form's answer.

The trade-off: a kept page holds personal data (the learner's bookings,
their children's ages) on the phone. Phones are shared in families, so
signing in and signing out answer ``Clear-Site-Data: "cache", "storage"``:
the browser drops every kept page and the worker itself, and the next person
starts empty. A session that simply expires clears nothing until the next
sign-in; what was kept is what that person saw on that phone.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.roles import LEARNER, has_role

KEEP_HEADER = "Kurslotse-Offline"
# The pages a learner may read again without signal (URL names).
KEPT_PAGES = frozenset({"home", "courses:my_bookings", "courses:detail"})
CLEAR_SITE_DATA = '"cache", "storage"'


def may_keep_offline(request, response) -> bool:
    """Whether the phone may keep this answer to show it without signal."""
    match = getattr(request, "resolver_match", None)
    return (
        request.method == "GET"
        and response.status_code == 200
        and response.get("Content-Type", "").startswith("text/html")
        and match is not None
        and match.view_name in KEPT_PAGES
        and not getattr(request, "htmx", False)
        and request.user.is_authenticated
        and has_role(request.user, LEARNER)
    )


@receiver(user_logged_in, dispatch_uid="offline-forget-on-sign-in")
@receiver(user_logged_out, dispatch_uid="offline-forget-on-sign-out")
def forget_kept_pages(sender, request, **kwargs):
    """A new person (or nobody) on this phone: the next answer clears what was kept."""
    if request is not None:
        request.forget_offline_pages = True


class OfflinePagesMiddleware:
    """Marks the answers the phone may keep; clears them on sign-in and sign-out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "forget_offline_pages", False):
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        elif may_keep_offline(request, response):
            response[KEEP_HEADER] = "keep"
        return response
