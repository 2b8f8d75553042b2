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


# --- What Kurslotse stores about a person (GDPR Art. 15/20) -------------------------------


def profile_of(person) -> dict:
    """The ``profile`` section of the export: who the person is to Kurslotse."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from .roles import ALL_ROLES

    return {
        "id": person.pk,
        "name": person.full_name,
        "email": person.email,
        "phone": person.phone,
        "preferred_language": person.preferred_language,
        "home_municipality": person.home_municipality.name if person.home_municipality else None,
        "notification_channels": list(person.notification_channels or []),
        "roles": sorted({g.name for g in person.groups.all()} & set(ALL_ROLES)),
        "date_joined": person.date_joined,
        "last_login": person.last_login,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=person).order_by("pk")
        ],
        "two_factor_methods": sorted(
            set(Authenticator.objects.filter(user=person).values_list("type", flat=True))
        ),
    }


def access_trail_of(person) -> list[dict]:
    """Who looked at the person's data: the access log rows about them, newest first."""
    from .models import AccessLog

    return [
        {
            "at": row.at,
            "who": row.actor.get_full_name() if row.actor else None,
            "what": row.what,
            "object_id": row.object_id,
        }
        for row in AccessLog.objects.filter(subject=person).select_related("actor")
    ]
