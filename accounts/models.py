"""Users: one model for learners, coaches and coordinators; roles are groups."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.validators import validate_single_line

from .constants import AccessWhat, ConsentPurpose, ConsentVia
from .managers import UserManager
from .phones import normalise as normalise_phone
from .phones import validate_phone


def default_channels() -> list[str]:
    # Email is optional and needs consent (``accounts.services.record_consent``
    # writes this field); nobody starts with it.
    return []


class User(AbstractBaseUser, PermissionsMixin):
    """A person using Kurslotse. The email address is the login.

    Not everyone has one: people who register by phone with the coordination
    office (``accounts.services.register_participant_by_phone``) or sign up
    with a phone number have no email address (NULL, so that any number of
    them fit the unique index); they sign in by a code sent to their phone
    (``accounts.adapters``). The office books for them; they hear of what
    needs them by text message (the ``sms`` channel) or, on a landline, by
    the office's call (the ``office_call`` channel). The phone number is stored in E.164
    (``accounts.phones``), however it was typed, so it can be searched.
    """

    email = models.EmailField(
        _("email address"),
        unique=True,
        null=True,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Empty for people registered by phone: they cannot sign in."),
    )
    full_name = models.CharField(
        _("name"), max_length=150, blank=True, validators=[validate_single_line]
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Messages and pages are shown in this language."),
    )
    phone = models.CharField(
        _("phone"), max_length=32, blank=True, validators=[validate_single_line, validate_phone]
    )
    # Whether the person proved the number is theirs (typed a code sent to
    # it), or the office took it from them; only a verified number signs in
    # (``accounts.adapters``). Changing the number clears it.
    phone_verified = models.BooleanField(_("phone number verified"), default=False)
    home_municipality = models.ForeignKey(
        "places.Municipality",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("home municipality"),
    )
    notification_channels = models.JSONField(
        _("notification channels"),
        default=default_channels,
        blank=True,
        help_text=_("How we reach you besides the inbox in the app, e.g. email."),
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Retention: when the person was told that their unused account will be
    # erased (``services.warn_inactive_accounts_before``); a sign-in clears it.
    erasure_warned_at = models.DateTimeField(
        _("warned of erasure at"),
        null=True,
        blank=True,
        help_text=_("When the person was warned that their unused account will be deleted."),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []  # type: ignore[misc]  # the email is the only required field

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name()

    def clean(self) -> None:
        super().clean()
        # Every door that validates a person (forms, the admin, services)
        # stores the phone as E.164, and no address as NULL, never "".
        self.email = self.email or None
        if self.phone:
            self.phone = normalise_phone(self.phone) or self.phone

    def save(self, *args, **kwargs) -> None:
        if self.email == "":
            self.email = None
        super().save(*args, **kwargs)

    @property
    def has_email(self) -> bool:
        return bool(self.email)

    def get_full_name(self) -> str:
        return self.full_name or self.email or self.phone or f"#{self.pk}"

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.get_full_name()


class AccessLog(models.Model):
    """Who looked at which personal data of whom, and when (the access trail).

    Written for every read of another person's personal data (bookings with
    children's ages, coaching requests, contact details, notes, mentees,
    course lists, exports, the admin's lists and pages of people's records),
    only by ``accounts.services.log_access``/``log_reads``; the
    data-protection officer reads it (``accounts.selectors.access_trail``).
    Nobody changes or deletes a row by hand, not even in the admin.
    """

    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("who")
    )
    # Erasing a person keeps the fact that their data was read (who read, what,
    # when), but not whose it was: nothing in the trail leads back to them.
    subject = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("whose data")
    )
    what = models.CharField(
        _("what"), max_length=100, choices=AccessWhat.choices, validators=[validate_single_line]
    )
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.actor_id} read {self.what} of {self.subject_id}"


class AnonymousRecord(models.Model):
    """A figure the district must keep for its funders after the person behind
    it is gone: one booking, coaching request, ended mentorship or milestone,
    with nothing that leads back to the person — the programme or the course's
    level, the municipality, the month, the outcome. Written by erasure
    (``accounts.services.erase_person``) and by the retention of bookings
    (``courses.services.anonymise_bookings_of_courses_ended_before``); the
    dashboard's figures count these rows where they count live ones.

    ``course`` is kept for per-course figures (participants per course and
    month); a course is not a person, and the row says nothing about who sat
    in it.
    """

    class Kind(models.TextChoices):
        BOOKING = "booking", _("booking")
        COACHING_REQUEST = "coaching_request", _("coaching request")
        MENTORSHIP = "mentorship", _("mentorship")
        MILESTONE = "milestone", _("milestone")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    month = models.DateField(_("month"), help_text=_("The first day of the month it happened in."))
    programme = models.CharField(
        _("programme"), max_length=20, blank=True, validators=[validate_single_line]
    )
    level = models.CharField(
        _("level"), max_length=4, blank=True, validators=[validate_single_line]
    )
    municipality = models.ForeignKey(
        "places.Municipality",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="anonymous_records",
        verbose_name=_("course"),
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=24,
        blank=True,
        validators=[validate_single_line],
        help_text="A booking's last status, a mentorship's end reason, a milestone's kind.",
    )
    childcare_places = models.PositiveSmallIntegerField(_("childcare places"), default=0)
    days_to_match = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["month", "kind", "pk"]
        verbose_name = _("anonymous record")
        verbose_name_plural = _("anonymous records")
        indexes = [models.Index(fields=["kind", "month"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.month:%Y-%m}"


class Consent(models.Model):
    """One giving or withdrawing of consent to an optional purpose.

    Append-only: a change is a new row, never an update, so the history shows
    what the person agreed to, when, and which text of the privacy notice they
    saw (``text_version``). The current state of a purpose is its latest row;
    no row means not given. Written only by ``accounts.services.record_consent``.
    """

    person = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person")
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    given = models.BooleanField(_("given"), help_text=_("False: withdrawn."))
    text_version = models.CharField(
        _("text version"), max_length=40, validators=[validate_single_line]
    )
    via = models.CharField(_("through"), max_length=12, choices=ConsentVia.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["person_id", "purpose", "at", "pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["person", "purpose", "-at"])]

    def __str__(self) -> str:
        state = "given" if self.given else "withdrawn"
        return f"{self.person_id} {self.purpose} {state} ({self.text_version})"
