"""Writes about users: creating people with a role, changing a profile."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import Conflict, InvalidInput

from . import phones
from .constants import ConsentPurpose, ConsentVia
from .roles import ALL_ROLES, LEARNER


class ParticipantExists(Conflict):
    code = "participant_exists"


def ensure_role_groups() -> None:
    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)


@transaction.atomic
def create_person(
    *,
    email: str,
    password: str | None,
    roles: list[str],
    verified: bool = True,
    email_notifications: bool = True,
    **fields,
):
    """Create a user with roles and (for people we enter ourselves) a verified address.

    The office enters people it has met (coaches, teachers, staff, demo
    people) and asks them about email messages then: ``email_notifications``
    records their answer as a consent given through the office."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    fields.pop("notification_channels", None)  # written by record_consent only
    user = get_user_model().objects.create_user(email=email, password=password, **fields)
    for name in roles:
        group, _ = Group.objects.get_or_create(name=name)
        user.groups.add(group)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    if email_notifications:
        record_consent(
            person=user, purpose=ConsentPurpose.EMAIL_NOTIFICATIONS, given=True,
            via=ConsentVia.OFFICE,
        )  # fmt: skip
    return user


def update_profile(
    *, user, via: str = ConsentVia.PROFILE, share_phone_with_coach: bool | None = None, **fields
):
    """Change profile fields. ``notification_channels`` is the consent to email
    messages in another form: a change goes through ``record_consent``, so the
    setting and the consent's history never disagree. ``share_phone_with_coach``
    (if given) records that consent after the phone number is saved; a refusal
    (``ConsentNeedsPhone``) saves nothing."""
    allowed = {"full_name", "preferred_language", "phone", "home_municipality"}
    channels = fields.pop("notification_channels", None)
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"Not a profile field: {name}")
        setattr(user, name, value)
    with transaction.atomic():
        if fields:
            user.full_clean(exclude=["password"])
            user.save(update_fields=[*fields])
        if channels is not None:
            wants_email = "email" in channels
            if wants_email != ("email" in (user.notification_channels or [])):
                record_consent(
                    person=user, purpose=ConsentPurpose.EMAIL_NOTIFICATIONS,
                    given=wants_email, via=via,
                )  # fmt: skip
        if share_phone_with_coach is not None:
            record_consent(
                person=user, purpose=ConsentPurpose.SHARE_PHONE_WITH_COACH,
                given=share_phone_with_coach, via=via,
            )  # fmt: skip
    return user


class ConsentNeedsEmail(Conflict):
    code = "consent_needs_email"


class ConsentNeedsPhone(Conflict):
    code = "consent_needs_phone"


@transaction.atomic
def record_consent(*, person, purpose: str, given: bool, via: str):
    """Give or withdraw consent to an optional purpose, and let it take effect.

    The one writer of ``Consent`` (a new row each time: the history is kept)
    and of ``User.notification_channels``, which is the consent to email
    messages as the outbox reads it. Recording the state the person is
    already in adds no row. The row carries the privacy notice's current
    text version (``KURSLOTSE_PRIVACY_NOTICE_VERSION``).

    Effects: email messages stop or start with the next notification; a coach
    sees the learner's phone number only while it is given
    (``coaching.selectors.learner_as_seen_by``).
    """
    from .models import Consent
    from .selectors import consent_state

    if purpose not in ConsentPurpose.values:
        raise InvalidInput(fields={"purpose": [_("Unknown purpose.")]})
    if via not in ConsentVia.values:
        raise ValueError(f"Unknown door: {via}")
    given_to = person
    person = get_user_model().objects.select_for_update().get(pk=person.pk)
    if given and purpose == ConsentPurpose.EMAIL_NOTIFICATIONS and not person.email:
        raise ConsentNeedsEmail(_("There is no email address to send messages to."))
    if given and purpose == ConsentPurpose.SHARE_PHONE_WITH_COACH and not person.phone:
        raise ConsentNeedsPhone(_("Add your phone number first, then you can share it."))
    if consent_state(person, purpose) == given:
        return None
    row = Consent.objects.create(
        person=person,
        purpose=purpose,
        given=given,
        text_version=settings.KURSLOTSE_PRIVACY_NOTICE_VERSION,
        via=via,
        at=timezone.now(),
    )
    if purpose == ConsentPurpose.EMAIL_NOTIFICATIONS:
        channels = [c for c in person.notification_channels or [] if c != "email"]
        person.notification_channels = [*channels, "email"] if given else channels
        person.save(update_fields=["notification_channels"])
        given_to.notification_channels = person.notification_channels
    return row


def log_access(*, actor, subject, what: str, object_ids=()) -> None:
    """Record that ``actor`` read ``what`` (one row per object) of ``subject``."""
    from .models import AccessLog

    ids = list(object_ids) or [None]
    AccessLog.objects.bulk_create(
        AccessLog(actor=actor, subject=subject, what=what, object_id=pk) for pk in ids
    )


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
