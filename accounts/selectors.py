"""Reads about users."""

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from . import phones
from .constants import ConsentPurpose
from .models import Consent
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


# --- Consent ------------------------------------------------------------------------------


def consent_state(person, purpose: str) -> bool:
    """Whether ``person`` consents to ``purpose`` now: the latest record says; none, no."""
    latest = (
        Consent.objects.filter(person=person, purpose=purpose)
        .order_by("-at", "-pk")
        .values_list("given", flat=True)
        .first()
    )
    return bool(latest)


def consent_given_subquery(purpose: str, *, person: str = "pk"):
    """``consent_state`` as an expression, to annotate rows whose ``person``
    field (a path to a user id) names the person: one query for a whole list."""
    latest = (
        Consent.objects.filter(person_id=OuterRef(person), purpose=purpose)
        .order_by("-at", "-pk")
        .values("given")[:1]
    )
    return Coalesce(Subquery(latest, output_field=BooleanField()), Value(False))


def current_consents(person) -> dict[str, dict]:
    """Each optional purpose with its current state and the latest record's time
    and text version (``None`` where nothing was ever recorded): one query."""
    latest: dict[str, Consent] = {}
    for row in Consent.objects.filter(person=person).order_by("at", "pk"):
        latest[row.purpose] = row
    return {
        purpose: {
            "purpose": purpose,
            "given": bool(latest[purpose].given) if purpose in latest else False,
            "at": latest[purpose].at if purpose in latest else None,
            "text_version": latest[purpose].text_version if purpose in latest else None,
        }
        for purpose in ConsentPurpose.values
    }


def consent_history(person):
    """Every giving and withdrawing, newest first."""
    return Consent.objects.filter(person=person).order_by("-at", "-pk")


def consents_for_export(person) -> list[dict]:
    """The person's whole consent history for their data export (GDPR Art. 15/20),
    oldest first, as plain JSON values."""
    return [
        {
            "purpose": row.purpose,
            "given": row.given,
            "text_version": row.text_version,
            "via": row.via,
            "at": row.at.isoformat(),
        }
        for row in Consent.objects.filter(person=person).order_by("at", "pk")
    ]
