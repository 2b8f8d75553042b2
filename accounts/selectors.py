"""Reads about users."""

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from . import phones
from .constants import ConsentPurpose
from .models import Consent
from .roles import COORDINATOR, DATA_PROTECTION_OFFICER, LEARNER

# Whom the office's search lists at most: enough to spot the caller, small
# enough for a phone call (type more of the name to narrow it).
PEOPLE_SEARCH_LIMIT = 20
# Shorter queries match half the district.
PEOPLE_SEARCH_MIN_LENGTH = 2
# No name, address or number is longer; the rest of a longer text is ignored.
PEOPLE_SEARCH_MAX_LENGTH = 100


def learners():
    return get_user_model().objects.filter(groups__name=LEARNER, is_active=True)


def find_learners(query: str, limit: int = PEOPLE_SEARCH_LIMIT):
    """Learners whose name contains ``query``, whose email address contains it,
    or whose phone number is the number ``query`` means ("0711 123456" finds
    "+49711123456"). At most ``limit`` rows, by name: one query. A query
    shorter than ``PEOPLE_SEARCH_MIN_LENGTH`` finds nobody."""
    return _search(learners(), query, limit)


def find_people(query: str, limit: int = PEOPLE_SEARCH_LIMIT):
    """Anyone but administrators, found as ``find_learners`` finds learners: for
    the office answering a letter or call about a person's data (a coach, a
    teacher or a learner; also deactivated accounts, whose data is still kept)."""
    people = get_user_model().objects.filter(is_superuser=False).prefetch_related("groups")
    return _search(people, query, limit)


def _search(people, query: str, limit: int):
    query = (query or "").strip()[:PEOPLE_SEARCH_MAX_LENGTH]
    if len(query) < PEOPLE_SEARCH_MIN_LENGTH:
        return get_user_model().objects.none()
    match = Q(full_name__icontains=query) | Q(email__icontains=query)
    number = phones.normalise(query)
    if number:
        match |= Q(phone=number)
    return (
        people.filter(match).select_related("home_municipality").order_by("full_name", "pk")[:limit]
    )


# Retention of unused accounts (``services.warn_inactive_accounts_before`` and
# ``services.erase_warned_accounts_before``). Never warned or erased by it:
# staff, superusers, coordinators and data protection officers (the district's
# own people: their accounts end when they leave, by a person, not by a timer).
ROLES_KEPT_FROM_RETENTION = (COORDINATOR, DATA_PROTECTION_OFFICER)


def last_activity():
    """When each person last used Kurslotse, as an expression for ``annotate``.

    Someone with an email address: their last sign-in (``last_login``; the day
    the account was made if they never signed in). Someone without one
    (registered by phone) never signs in: the last time the office did
    something for them counts instead — the account made, a booking, a
    coaching request or a mentorship begun.
    """
    from coaching.models import CoachingRequest, Mentorship
    from courses.models import Booking

    def latest(model, field, person_field):
        rows = model.objects.filter(**{person_field: OuterRef("pk")}).order_by(f"-{field}")
        return Coalesce(Subquery(rows.values(field)[:1]), F("date_joined"))

    signed_in = Coalesce(F("last_login"), F("date_joined"))
    by_the_office = Greatest(
        F("date_joined"),
        latest(Booking, "created_at", "learner"),
        latest(CoachingRequest, "created_at", "learner"),
        latest(Mentorship, "started_at", "learner"),
    )
    return Case(When(email__isnull=True, then=by_the_office), default=signed_in)


def in_use():
    """People whose data is in use now, however long ago they signed in: a
    place in (or on the waiting list of) a course that has not ended, an open
    coaching request, or a running mentorship as learner or coach."""
    from coaching.constants import ACTIVE_REQUEST_STATUSES
    from coaching.models import CoachingRequest, Mentorship
    from courses.constants import ACTIVE_STATUSES
    from courses.models import Booking

    today = timezone.localdate()
    person = OuterRef("pk")
    return (
        Exists(
            Booking.objects.filter(
                learner=person, status__in=ACTIVE_STATUSES, course__ends_on__gte=today
            )
        )
        | Exists(CoachingRequest.objects.filter(learner=person, status__in=ACTIVE_REQUEST_STATUSES))
        | Exists(Mentorship.objects.filter(learner=person, ended_at__isnull=True))
        | Exists(Mentorship.objects.filter(coach=person, ended_at__isnull=True))
    )


def retention_candidates():
    """Accounts the retention of unused accounts may warn and erase, each with
    its ``last_activity``: active ones, not staff, superusers or coordinators,
    and not in use (``in_use``). Deactivated accounts (erased ones among them)
    are left alone: nobody could sign in to keep them."""
    people = get_user_model().objects.filter(is_active=True, is_staff=False, is_superuser=False)
    people = people.exclude(groups__name__in=ROLES_KEPT_FROM_RETENTION)
    return people.exclude(in_use()).annotate(last_activity=last_activity())


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
