"""Coaches, learners' coaching requests, matching runs and their proposals,
and mentorships with meetings, notes and milestones.

Weekly availability is stored as a JSON list of
``{"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}``; coaches' languages as
``[{"code": "ar", "level": "fluent"}]``. Their shape is checked at the doors
(``coaching.api`` serializers, ``coaching.forms``); what makes a request
matchable is checked once, in ``coaching.services.check_request``.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.validators import validate_single_line

from .constants import (
    ACTIVE_REQUEST_STATUSES,
    OPEN_PROPOSAL_STATUSES,
    POLICE_CERTIFICATE_VALID_YEARS,
    EndReason,
    Gender,
    GermanLevel,
    MeetingStatus,
    MilestoneKind,
    ProposalStatus,
    RequestStatus,
    ShiftPattern,
)


class CoachProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coach_profile",
        verbose_name=_("coach"),
    )
    programmes = models.JSONField(_("programmes"), default=list)
    languages = models.JSONField(_("languages"), default=list)
    municipality = models.ForeignKey(
        "places.Municipality",
        on_delete=models.PROTECT,
        related_name="coaches",
        verbose_name=_("home municipality"),
    )
    travel_radius_km = models.PositiveSmallIntegerField(_("travel radius (km)"), default=15)
    online_ok = models.BooleanField(_("coaching online is fine"), default=False)
    availability = models.JSONField(_("weekly availability"), default=list)
    capacity = models.PositiveSmallIntegerField(_("maximum active mentees"), default=2)
    skills = models.JSONField(_("skills and industries"), default=list, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Paused coaches get no new proposals.")
    )
    is_volunteer = models.BooleanField(_("volunteer"), default=True)
    volunteer_agreement_signed = models.BooleanField(_("volunteer agreement signed"), default=False)
    police_certificate_seen_on = models.DateField(
        _("extended police certificate seen on"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("coach profile")
        verbose_name_plural = _("coach profiles")

    def __str__(self) -> str:
        return str(self.user)

    def onboarding_complete(self, today: date) -> bool:
        """Volunteers need a signed agreement and a recent extended police certificate."""
        if not self.is_volunteer:
            return True
        if not self.volunteer_agreement_signed or self.police_certificate_seen_on is None:
            return False
        valid_until = self.police_certificate_seen_on + timedelta(
            days=365 * POLICE_CERTIFICATE_VALID_YEARS
        )
        return today <= valid_until


class CoachingRequest(models.Model):
    # PROTECT: a person goes through ``accounts.services.erase_person``,
    # which withdraws the request (and ends its mentorship) first.
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coaching_requests",
        verbose_name=_("learner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    programme = models.CharField(_("programme"), max_length=20, validators=[validate_single_line])
    goals = models.JSONField(_("goals"), default=list)
    languages = models.JSONField(_("languages besides German"), default=list)
    german_level = models.CharField(
        _("German level"), max_length=4, choices=GermanLevel.choices, default=GermanLevel.NONE
    )
    municipality = models.ForeignKey(
        "places.Municipality",
        on_delete=models.PROTECT,
        related_name="coaching_requests",
        verbose_name=_("municipality"),
    )
    availability = models.JSONField(_("weekly availability"), default=list)
    online_ok = models.BooleanField(_("coaching online is fine"), default=False)
    coach_gender_preference = models.CharField(
        _("preferred gender of the coach"), max_length=10, choices=Gender.choices, blank=True
    )
    care_facility = models.CharField(
        _("care facility"), max_length=200, blank=True, validators=[validate_single_line]
    )
    shift_pattern = models.CharField(
        _("shift pattern"), max_length=10, choices=ShiftPattern.choices, blank=True
    )
    notes = models.TextField(_("anything else the coach should know"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = models.DateTimeField(_("asked on"), auto_now_add=True, db_index=True)
    matched_at = models.DateTimeField(_("matched on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("coaching request")
        verbose_name_plural = _("coaching requests")
        indexes = [models.Index(fields=["status", "programme"])]
        constraints = [
            # The rule is coaching.services.create_request's; this catches the race.
            models.UniqueConstraint(
                fields=["learner", "programme"],
                condition=Q(status__in=list(ACTIVE_REQUEST_STATUSES)),
                name="one_active_request_per_programme",
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} ({self.programme})"


class MatchingRun(models.Model):
    """One solve of all open requests, kept with its inputs' size and results."""

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    parameters = models.JSONField(default=dict)
    totals = models.JSONField(default=dict)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.created_at:%Y-%m-%d %H:%M})"


class MatchProposal(models.Model):
    run = models.ForeignKey(
        MatchingRun, on_delete=models.CASCADE, null=True, blank=True, related_name="proposals"
    )
    request = models.ForeignKey(CoachingRequest, on_delete=models.CASCADE, related_name="proposals")
    # PROTECT: an open proposal holds its request; erasing the coach
    # (``coaching.services.erase_coaching_of``) reopens the request first.
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coach_proposals"
    )
    score = models.PositiveSmallIntegerField(default=0)
    score_parts = models.JSONField(default=list)
    overridden_rules = models.JSONField(
        default=list, blank=True, help_text="Hard rules a coordinator consciously overrode."
    )
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("match proposal")
        verbose_name_plural = _("match proposals")
        indexes = [models.Index(fields=["coach", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=list(OPEN_PROPOSAL_STATUSES)),
                name="one_open_proposal_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request} → {self.coach} ({self.status})"


class UnmatchedRequest(models.Model):
    """A request a run could not match, with the reasons counted over the coaches."""

    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="unmatched")
    request = models.ForeignKey(CoachingRequest, on_delete=models.CASCADE, related_name="+")
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["request_id"]
        verbose_name = _("unmatched request")
        verbose_name_plural = _("unmatched requests")

    def __str__(self) -> str:
        return f"Run {self.run_id}: request {self.request_id} unmatched"


class Mentorship(models.Model):
    request = models.OneToOneField(
        CoachingRequest, on_delete=models.CASCADE, related_name="mentorship"
    )
    # A coach who is erased leaves the learner's history behind: the
    # mentorship ends and loses its coach (NULL), its meetings and milestones
    # stay (``coaching.services.erase_coaching_of``). PROTECT so that no raw
    # delete of a person skips that.
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentorships_as_coach",
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentorships_as_learner"
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason for ending"), max_length=20, choices=EndReason.choices, blank=True
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")

    def __str__(self) -> str:
        return f"{self.coach} ↔ {self.learner}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class Meeting(models.Model):
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(
        _("place"), max_length=200, blank=True, validators=[validate_single_line]
    )
    online_link = models.URLField(_("online link"), blank=True, validators=[validate_single_line])
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="iCalendar LAST-MODIFIED")

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"Meeting {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"


class CoachNote(models.Model):
    """A coach's note about a mentee: for the coach and coordinators only."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("coach note")
        verbose_name_plural = _("coach notes")

    def __str__(self) -> str:
        return f"Note {self.pk} on mentorship {self.mentorship_id}"


class Milestone(models.Model):
    """An outcome on the way to work, for the coach's overview and funders' figures."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("what happened"), max_length=24, choices=MilestoneKind.choices)
    occurred_on = models.DateField(_("when"))
    note = models.CharField(
        _("note"), max_length=300, blank=True, validators=[validate_single_line]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return f"{self.kind} on {self.occurred_on}"
