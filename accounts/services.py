"""Writes about users: creating people with a role, changing a profile."""

import logging
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import Conflict, InvalidInput

from . import phones, selectors
from .roles import ALL_ROLES, LEARNER

logger = logging.getLogger(__name__)


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
    from notifications.constants import Kind
    from notifications.services import notify

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
    # The rights part's service (the integrator drops this ignore after the merge).
    from accounts.services import erase_person  # type: ignore[attr-defined]

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
        # Out of the candidates for good, whatever erasure left of the row.
        User.objects.filter(pk=pk).update(is_active=False, erasure_warned_at=None)
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
