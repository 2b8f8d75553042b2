"""Reads about users."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from . import phones
from .roles import LEARNER

# Whom the office's search lists at most: enough to spot the caller, small
# enough for a phone call (type more of the name to narrow it).
PEOPLE_SEARCH_LIMIT = 20
# Shorter queries match half the district.
PEOPLE_SEARCH_MIN_LENGTH = 2


def learners():
    return get_user_model().objects.filter(groups__name=LEARNER, is_active=True)


def find_learners(query: str, limit: int = PEOPLE_SEARCH_LIMIT):
    """Learners whose name contains ``query``, whose email address contains it,
    or whose phone number is the number ``query`` means ("0711 123456" finds
    "+49711123456"). At most ``limit`` rows, by name: one query. A query
    shorter than ``PEOPLE_SEARCH_MIN_LENGTH`` finds nobody."""
    query = (query or "").strip()
    if len(query) < PEOPLE_SEARCH_MIN_LENGTH:
        return get_user_model().objects.none()
    match = Q(full_name__icontains=query) | Q(email__icontains=query)
    number = phones.normalise(query)
    if number:
        match |= Q(phone=number)
    return (
        learners()
        .filter(match)
        .select_related("home_municipality")
        .order_by("full_name", "pk")[:limit]
    )


def access_trail(*, subject=None, actor=None, since=None, until=None):
    """The access trail, newest first, for the data-protection officer: whose
    data (``subject``, a person id), who read it (``actor``), and the days
    ``since``..``until`` (dates, both included, in Berlin's time). One query a page."""
    from .models import AccessLog

    rows = AccessLog.objects.select_related("actor", "subject").order_by("-at", "-pk")
    if subject is not None:
        rows = rows.filter(subject_id=subject)
    if actor is not None:
        rows = rows.filter(actor_id=actor)
    if since is not None:
        rows = rows.filter(at__date__gte=since)
    if until is not None:
        rows = rows.filter(at__date__lte=until)
    return rows
