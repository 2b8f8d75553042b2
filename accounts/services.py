"""Writes about users: creating people with a role, changing a profile, and
each person's rights: the export of their data and its erasure."""

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import Busy, Conflict, InvalidInput

from . import personal_data, phones, selectors
from .constants import CHANNEL_CONSENTS, AccessWhat, ConsentPurpose, ConsentVia
from .roles import ALL_ROLES, COORDINATOR, LEARNER

logger = logging.getLogger(__name__)

# The version of the export's layout, for programs that read it.
EXPORT_FORMAT = "kurslotse-personal-data/1"
MAX_ERASURE_REASON = 300


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
    and to text messages in another form: a change goes through
    ``record_consent``, so the setting and the consent's history never
    disagree (text messages need a phone number: ``ConsentNeedsPhone``, and
    the phone given in the same change counts). A new phone number is not
    verified (``phone_verified``) until a code sent to it is typed in. ``share_phone_with_coach``
    (if given) records that consent after the phone number is saved; a refusal
    (``ConsentNeedsPhone``) saves nothing."""
    allowed = {"full_name", "preferred_language", "phone", "home_municipality"}
    channels = fields.pop("notification_channels", None)
    old_phone = user.phone
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"Not a profile field: {name}")
        setattr(user, name, value)
    if "phone" in fields and phones.normalise(fields["phone"] or "") != old_phone:
        user.phone_verified = False  # a code sent to the new number verifies it
        fields["phone_verified"] = False
    with transaction.atomic():
        if fields:
            user.full_clean(exclude=["password"])
            user.save(update_fields=[*fields])
        if channels is not None:
            for purpose, channel in CHANNEL_CONSENTS.items():
                wanted = channel in channels
                if wanted != (channel in (user.notification_channels or [])):
                    record_consent(person=user, purpose=purpose, given=wanted, via=via)
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
    and of ``User.notification_channels``, which is the consent to email and
    to text messages as the outbox reads it (``CHANNEL_CONSENTS``). Recording the state the person is
    already in adds no row. The row carries the privacy notice's current
    text version (``KURSLOTSE_PRIVACY_NOTICE_VERSION``).

    Effects: email messages and text messages stop or start with the next
    notification (text messages need a phone number); a coach
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
    if given and purpose == ConsentPurpose.SMS_NOTIFICATIONS:
        if not person.phone:
            raise ConsentNeedsPhone(
                _("There is no phone number to send text messages to. Add your phone number first.")
            )
        if not phones.can_receive_sms(person.phone):
            raise ConsentNeedsPhone(
                _("This phone number cannot receive text messages. Add a mobile number.")
            )
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
    channel = CHANNEL_CONSENTS.get(purpose)  # type: ignore[call-overload]
    if channel is not None:
        channels = [c for c in person.notification_channels or [] if c != channel]
        person.notification_channels = [*channels, channel] if given else channels
        person.save(update_fields=["notification_channels"])
        given_to.notification_channels = person.notification_channels
    return row


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
    from .models import AccessLog

    triples = [(what, *read) for read in reads] if what is not None else list(reads)
    unknown = {entry[0] for entry in triples} - set(AccessWhat.values)
    if unknown:
        raise ValueError(f"Not an access-log 'what': {sorted(map(str, unknown))}")
    actor_id = getattr(actor, "pk", actor)
    rows = [
        AccessLog(actor_id=actor_id, subject_id=subject_id, what=kind, object_id=object_id)
        for kind, subject_id, object_id in dict.fromkeys(triples)
        if (subject_id is not None and subject_id != actor_id) or kind == AccessWhat.ERASURE
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def register_participant_by_phone(
    *,
    full_name: str,
    phone: str,
    preferred_language: str,
    home_municipality=None,
    sms_notifications: bool = True,
    by=None,
):
    """Register someone who called the coordination office and has no email
    address: a learner with a name, a phone number, the language to speak
    with them and (if known) their municipality. They have no login (no
    address, an unusable password) until they sign in by a code sent to their
    phone; the office books for them (``courses.services.book_course``, like
    everyone else). A mobile number gets their offers, changes and reminders
    by text message (``sms_notifications``: the consent the office asks for on
    the call, recorded as given through the office); a landline, or someone
    who declines, is called by the office when something needs them to act
    or know (the ``office_call`` channel).

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
        # The office took the number from the person on the phone: it may
        # sign them in by a code sent to it (accounts/adapters.py).
        phone_verified=True,
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
    if sms_notifications and phones.can_receive_sms(number):
        record_consent(
            person=user, purpose=ConsentPurpose.SMS_NOTIFICATIONS, given=True,
            via=ConsentVia.OFFICE,
        )  # fmt: skip
    return user


# --- Retention of unused accounts (README: "Data protection") ---------------------


def warn_inactive_accounts_before(*, cutoff: datetime) -> int:
    """Retention (``KURSLOTSE_RETENTION_INACTIVE_ACCOUNT_MONTHS``): warn everyone
    who has not used Kurslotse since before ``cutoff`` (``selectors.last_activity``)
    that their account will be erased ``KURSLOTSE_RETENTION_ERASURE_WARNING_DAYS``
    from today unless they sign in; returns how many were warned.

    People with an address get an email in their language (whatever channels
    they chose: ``notifications/essential.py``); people without one are on the
    office's call list (``office_call``), with what keeps them: a booking or a
    coaching request. The warning is given once, also with two runs at once: the
    mark on the person (``erasure_warned_at``) is set by a conditional update in
    the notification's transaction, and only the run that set it writes one.
    """
    from notifications.services import notify

    from .notifications import Kind

    User = get_user_model()
    now = timezone.now()
    erase_on = timezone.localdate(now) + timedelta(
        days=settings.KURSLOTSE_RETENTION_ERASURE_WARNING_DAYS
    )
    due = selectors.retention_candidates().filter(
        erasure_warned_at__isnull=True, last_activity__lt=cutoff
    )
    warned = 0
    for pk, last in due.order_by("pk").values_list("pk", "last_activity").iterator():
        with transaction.atomic():
            if not User.objects.filter(pk=pk, erasure_warned_at__isnull=True).update(
                erasure_warned_at=now
            ):
                continue  # another run warned them a moment ago
            person = User.objects.get(pk=pk)
            notify(
                recipient=person,
                kind=Kind.ERASURE_WARNING,
                key=now.isoformat(),
                payload={
                    "erase_on": erase_on.isoformat(),
                    "since": timezone.localdate(last).isoformat(),
                    "by_phone": not person.has_email,
                },
            )
        warned += 1
    return warned


def erase_warned_accounts_before(*, cutoff: datetime) -> int:
    """Retention (``KURSLOTSE_RETENTION_ERASURE_WARNING_DAYS``): erase everyone
    warned on or before ``cutoff``'s day who has not used Kurslotse since
    (``accounts.services.erase_person``, by the system); returns how many.

    Whom the warning no longer concerns (they signed in, the office booked for
    them, their data is in use again) gets the mark cleared instead, so a later
    warning starts afresh. Each person is erased in their own transaction,
    their row locked and the rule checked again, so two runs at once erase
    nobody twice; one that fails is logged and the others are erased all the
    same (``PartialFailure``: the run records both).
    """
    from common.retention import PartialFailure

    User = get_user_model()
    still_unused = selectors.retention_candidates().filter(
        erasure_warned_at__isnull=False, last_activity__lt=F("erasure_warned_at")
    )
    User.objects.filter(erasure_warned_at__isnull=False).exclude(
        pk__in=still_unused.values("pk")
    ).update(erasure_warned_at=None)
    # By the day, as the warning said: "deleted on <day>".
    due = still_unused.filter(erasure_warned_at__date__lte=timezone.localdate(cutoff))
    erased, failed = 0, []
    for pk in list(due.order_by("pk").values_list("pk", flat=True)):
        try:
            erased += _erase_unused_account(pk, due)
        except Exception:
            logger.exception("Retention could not erase the unused account of user %s", pk)
            failed.append(pk)
    if failed:
        raise PartialFailure(
            f"{len(failed)} unused account(s) could not be erased: users {failed[:20]}",
            removed=erased,
        )
    return erased


def _erase_unused_account(pk: int, due) -> int:
    User = get_user_model()
    with transaction.atomic():
        person = User.objects.select_for_update().filter(pk=pk).first()
        if person is None or not due.filter(pk=pk).exists():
            return 0  # erased by a run at the same time, or used since
        warned_on = timezone.localdate(person.erasure_warned_at)
        erase_person(
            person=person,
            by=None,
            reason=f"Retention: account unused, warned on {warned_on.isoformat()}, not used since",
        )
    return 1


def record_sign_in(*, user) -> None:
    """A person signed in (``adapters.AccountAdapter.login``): a warning that
    their unused account will be erased no longer applies."""
    cleared = (
        get_user_model()
        .objects.filter(pk=user.pk, erasure_warned_at__isnull=False)
        .update(erasure_warned_at=None)
    )
    if cleared:
        user.erasure_warned_at = None
        logger.info("User %s signed in after the erasure warning: the account is kept", user.pk)


def delete_access_log_before(*, cutoff: datetime) -> int:
    """Retention (``KURSLOTSE_RETENTION_ACCESS_LOG_MONTHS``): delete the access log
    rows recorded before ``cutoff``; returns how many."""
    from common.retention import delete_in_batches

    from .models import AccessLog

    return delete_in_batches(AccessLog.objects.filter(at__lt=cutoff))


# --- The rights of the person (GDPR Art. 15, 17, 20) ---------------------------------------


def export_person(*, person) -> dict:
    """Everything Kurslotse stores about ``person``, as one JSON-able document:
    each registered section (``accounts.personal_data``) under its name, dates
    and times as ISO 8601 text. The same document for the person themselves
    (``GET /api/v1/me/export/``, the page) and for a coordinator answering a
    letter (``GET /api/v1/people/{id}/export/``, which records the read)."""
    document = {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now(),
        "person": person.pk,
        "sections": {
            section.name: section.export(person)  # type: ignore[misc]  # exporters() export
            for section in personal_data.exporters()
        },
    }
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


class PersonNotErasable(Conflict):
    code = "not_erasable"


def check_erasable(*, person, by) -> None:
    """Who may be erased by whom (one rule for the API, the pages and the admin).

    - Nobody erases a superuser here: administrators are removed by another
      administrator, on purpose and not by a click that also erases data.
    - Someone erasing themselves does it with their password (``me/erase``),
      not through the coordinator's door.
    - Coordinators do not erase other coordinators: the office's accounts
      are an administrator's business (a superuser may).
    ``by=None`` is the system (retention), which may erase anyone but
    superusers.
    """
    if person.is_superuser:
        raise PersonNotErasable(_("Administrators cannot be erased here."))
    if by is None or by.pk == person.pk or by.is_superuser:
        return
    if person.groups.filter(name=COORDINATOR).exists():
        raise PersonNotErasable(
            _("Coordinators' accounts are removed by an administrator, not by another coordinator.")
        )


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    message: Any = ""
    if not reason:
        message = _("Write why the data is erased, e.g. “letter of 3 March”.")
    elif len(reason) > MAX_ERASURE_REASON:
        message = _("Write at most %(n)s characters.") % {"n": MAX_ERASURE_REASON}
    elif "\n" in reason or "\r" in reason:
        message = _("Write the reason on one line.")
    if message:
        raise InvalidInput(fields={"reason": [message]})
    return reason


def check_password(*, person, password: str) -> None:
    """The password typed again before one's own erasure: wrong or missing is
    ``InvalidInput`` on ``password`` (400), and nothing happens."""
    if not password or not person.check_password(password):
        raise InvalidInput(
            code="wrong_password",
            fields={"password": [_("This is not your password. Nothing was erased.")]},
        )


@transaction.atomic
def erase_person(*, person, by, reason: str) -> dict[str, dict[str, int]]:
    """Erase ``person`` (GDPR Art. 17), all in one transaction.

    Each registered section erases its part, in ``erase_order``: courses first
    (their active bookings are cancelled and the freed places offered to the
    waiting list at once, under the course capacity lock that comes before
    every other lock), coaching next (open requests withdrawn, running
    mentorships ended and the other side told, without the reason), then
    notifications, the calendar feed, the trail and the sign-in records. The
    figures the district keeps become ``AnonymousRecord`` rows. Last the user
    row itself is deleted, so nothing is left that names the person; the
    access log keeps that reads happened, without whose data they were.

    ``by`` is who erases (the person themselves, a coordinator, or ``None``
    for the system); ``reason`` is required when someone else erases (one
    line; it goes to the server log with the counts, never to the person's
    coach or anyone notified). Returns what each section removed.
    """
    check_erasable(person=person, by=by)
    someone_else = by if by is not None and by.pk != person.pk else None
    if someone_else is not None:
        reason = _check_reason(reason)
    counts: dict[str, dict[str, int]] = {}
    for section in personal_data.erasers():
        assert section.erase is not None  # erasers() only lists sections that erase
        counts[section.name] = section.erase(person, by)
    try:
        person.delete()
    except ProtectedError as error:
        # Something was added for the person while they were being erased (a
        # booking in the same second): roll back, and let them try again.
        raise Busy() from error
    # That an erasure happened (by whom, when) stays in the trail; whose, not.
    log_access(actor=someone_else, subject=None, what=AccessWhat.ERASURE)
    logger.info(
        "Personal data of a person erased by %s (reason: %r): %s",
        "the person"
        if by is not None and someone_else is None
        else getattr(by, "pk", "the system"),
        reason if someone_else is not None else "",
        counts,
    )
    return counts


def erase_myself(*, person, password: str) -> dict[str, dict[str, int]]:
    """A person erases their own data, after typing their password again."""
    check_password(person=person, password=password)
    return erase_person(person=person, by=person, reason="")


def erase_someone_else(*, person, by, reason: str) -> dict[str, dict[str, int]]:
    """A coordinator (or an administrator in the admin) erases someone, with a
    reason; never themselves (that is ``erase_myself``, with the password)."""
    if by.pk == person.pk:
        raise PersonNotErasable(
            _("Erase your own data on the page “Your data”, with your password.")
        )
    return erase_person(person=person, by=by, reason=reason)


def _identifiers(person) -> list[str]:
    """The texts that name a person, long enough not to match half the district."""
    return [
        text for text in (person.full_name, person.email, person.phone) if text and len(text) >= 4
    ]


def erase_trail_of(person, by) -> dict[str, int]:
    """The access log keeps that someone read, not whose data it was; the
    admin's log of changes forgets the person's rows and any entry naming them."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from .models import AccessLog

    unlinked = AccessLog.objects.filter(subject=person).update(subject=None)
    about = Q(content_type=ContentType.objects.get_for_model(person), object_id=str(person.pk))
    for text in _identifiers(person):
        about |= Q(object_repr__icontains=text) | Q(change_message__icontains=text)
    admin_entries, _deleted = LogEntry.objects.filter(about).delete()
    return {"access_log_unlinked": unlinked, "admin_log_entries": admin_entries}


def erase_sign_in_of(person, by) -> dict[str, int]:
    """Sessions (the browser's and the app's tokens), email addresses,
    two-factor authenticators and idempotency records of the person; and the
    idempotency records of others whose stored answer names them."""
    from allauth.mfa.models import Authenticator
    from django.contrib.sessions.models import Session
    from django.db.models import Q, TextField
    from django.db.models.functions import Cast

    from common.models import IdempotencyRecord

    sessions = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(person.pk)
    ]
    Session.objects.filter(pk__in=sessions).delete()
    answers = Q(user=person)
    naming = Q()
    for text in _identifiers(person):
        for spelling in {text, json.dumps(text)[1:-1]}:  # SQLite keeps "ü" as "\u00fc"
            naming |= Q(body__icontains=spelling)
    replays = IdempotencyRecord.objects.filter(answers)
    if naming:
        replays = IdempotencyRecord.objects.annotate(
            body=Cast("response_body", TextField())
        ).filter(answers | naming)
    return {
        "sessions": len(sessions),
        "email_addresses": EmailAddress.objects.filter(user=person).delete()[0],
        "authenticators": Authenticator.objects.filter(user=person).delete()[0],
        "idempotency_records": IdempotencyRecord.objects.filter(
            pk__in=list(replays.values_list("pk", flat=True))
        ).delete()[0],
    }
