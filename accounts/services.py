"""Writes about users: creating people with a role, changing a profile."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.errors import Conflict, InvalidInput

from . import phones
from .roles import ALL_ROLES, LEARNER


class ParticipantExists(Conflict):
    code = "participant_exists"


def ensure_role_groups() -> None:
    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)


@transaction.atomic
def create_person(
    *, email: str, password: str | None, roles: list[str], verified: bool = True, **fields
):
    """Create a user with roles and (for people we enter ourselves) a verified address."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    user = get_user_model().objects.create_user(email=email, password=password, **fields)
    for name in roles:
        group, _ = Group.objects.get_or_create(name=name)
        user.groups.add(group)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


def update_profile(*, user, **fields):
    allowed = {
        "full_name",
        "preferred_language",
        "phone",
        "home_municipality",
        "notification_channels",
    }
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"Not a profile field: {name}")
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*fields])
    return user


def log_access(*, actor, subject, what: str, object_ids=()) -> None:
    """Record that ``actor`` read ``what`` (one row per object) of ``subject``.

    THE one writer of ``AccessLog`` (``log_reads`` is its list form). ``what``
    is one of ``accounts.constants.AccessWhat``. Reading one's own data is no
    access of someone else's and writes nothing.
    """
    subject_id = getattr(subject, "pk", subject)
    log_reads(
        actor=actor, what=what, reads=[(subject_id, pk) for pk in (list(object_ids) or [None])]
    )


def log_reads(*, actor, reads, what: str | None = None) -> int:
    """Record many reads at once, in one INSERT: ``reads`` holds
    ``(subject_id, object_id)`` pairs of one ``what``, e.g. one per person on a
    list, or, without ``what``, ``(what, subject_id, object_id)`` triples for a
    page that shows several kinds of record.

    Rows about the reader themself are left out; a page shown twice is two
    reads and written twice. Returns the number of rows written.
    """
    from .constants import AccessWhat
    from .models import AccessLog

    triples = [(what, *read) for read in reads] if what is not None else list(reads)
    unknown = {entry[0] for entry in triples} - set(AccessWhat.values)
    if unknown:
        raise ValueError(f"Not an access-log 'what': {sorted(map(str, unknown))}")
    actor_id = getattr(actor, "pk", actor)
    rows = [
        AccessLog(actor_id=actor_id, subject_id=subject_id, what=kind, object_id=object_id)
        for kind, subject_id, object_id in dict.fromkeys(triples)
        if subject_id is not None and subject_id != actor_id
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def register_participant_by_phone(
    *, full_name: str, phone: str, preferred_language: str, home_municipality=None, by=None
):
    """Register someone who called the coordination office and has no email
    address: a learner with a name, a phone number, the language to speak
    with them and (if known) their municipality. They have no login (no
    address, an unusable password); the office books for them
    (``courses.services.book_course``, like everyone else) and calls them when
    something needs them to act or know (the ``office_call`` channel).

    The same door for the page and the API. Refuses a missing or invalid
    name, phone or language field by field (``InvalidInput``) and the same
    name with the same number a second time (``ParticipantExists``: they are
    registered already; find them instead). Others sharing one phone, as
    families do, are fine.
    """
    errors: dict[str, list] = {}
    full_name = (full_name or "").strip()
    if not full_name:
        errors["full_name"] = [_("Write the person's name.")]
    number = phones.normalise(phone)
    if not number:
        errors["phone"] = [
            _("Write a phone number, for example 07131 123456 or +49 7131 123456.")
            if (phone or "").strip()
            else _("Write the phone number we can reach the person on.")
        ]
    if preferred_language not in dict(settings.LANGUAGES):
        errors["preferred_language"] = [_("Choose a language.")]
    if errors:
        raise InvalidInput(fields=errors)
    User = get_user_model()
    twin = User.objects.filter(phone=number, full_name__iexact=full_name).first()
    if twin is not None:
        message = _(
            "%(name)s is already registered with this phone number. Search for them instead."
        ) % {"name": twin.get_full_name()}
        raise ParticipantExists(message, fields={"phone": [message]})
    user = User(
        email=None,
        full_name=full_name,
        phone=number,
        preferred_language=preferred_language,
        home_municipality=home_municipality,
        notification_channels=[],
    )
    user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise InvalidInput(fields=error.message_dict) from error
    user.save()
    user.groups.add(Group.objects.get_or_create(name=LEARNER)[0])
    return user
