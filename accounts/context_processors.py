"""What every page's frame needs: the navigation for the person's roles and
their unread notifications."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .roles import (
    COACH,
    COORDINATOR,
    DATA_PROTECTION_OFFICER,
    LEARNER,
    SIGNED_IN,
    TEACHER,
    roles_of,
)

# (URL name, label, roles that see the link). Links whose page does not exist
# in this deployment are left out rather than breaking every page.
NAVIGATION = [
    ("dashboard:index", _("Dashboard"), {COORDINATOR}),
    ("courses:manage", _("Manage courses"), {COORDINATOR}),
    ("courses:closures", _("Closures"), {COORDINATOR}),
    ("coaching:requests", _("Coaching requests"), {COORDINATOR}),
    ("notifications:calls", _("Calls to make"), {COORDINATOR}),
    ("dashboard:exports", _("Exports"), {COORDINATOR}),
    ("accounts:data_requests", _("Data requests"), {COORDINATOR}),
    ("courses:search", _("Find a course"), {"anonymous", LEARNER}),
    ("courses:my_bookings", _("My bookings"), {LEARNER}),
    ("coaching:mine", _("My coach"), {LEARNER}),
    ("coaching:proposals", _("Proposals"), {COACH}),
    ("coaching:mentees", _("My mentees"), {COACH}),
    ("coaching:coach_profile", _("Availability"), {COACH}),
    ("courses:teach", _("My courses"), {TEACHER}),
    ("accounts:access_log", _("Access trail"), {DATA_PROTECTION_OFFICER}),
    ("dashboard:retention", _("Retention periods"), {DATA_PROTECTION_OFFICER}),
    ("notifications:inbox", _("Inbox"), SIGNED_IN),
    ("accounts:profile", _("Profile"), SIGNED_IN),
]


def navigation(request):
    roles = roles_of(getattr(request, "user", None))
    unread = 0
    if request.user.is_authenticated:
        from notifications.selectors import unread_count

        unread = unread_count(request.user)
    links = []
    for name, label, seen_by in NAVIGATION:
        if not roles & seen_by:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        badge = unread if name == "notifications:inbox" else 0
        links.append(
            {"url": url, "label": label, "current": request.path.startswith(url), "badge": badge}
        )
    return {
        "nav_links": links,
        "user_roles": roles,
        "unread_notifications": unread,
        "site_name": settings.KURSLOTSE_SITE_NAME,
        "privacy_controller": settings.KURSLOTSE_CONTROLLER_NAME,
    }
