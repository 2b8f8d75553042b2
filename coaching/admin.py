"""Coaching in the admin: mostly for looking things up.

Requests, proposals, mentorships, meetings and milestones change through the
coaching services, which check the rules (capacity, declined pairs, who may
act) and tell the people concerned; so they are read-only here. A coach's
onboarding (agreement, police certificate, pause) is what coordinators edit.
Coaches' notes about mentees are not in the admin at all: reading them is
logged (coaching.services.read_notes) and happens on the mentorship page.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.constants import AccessWhat
from backend.admin import CoordinatorAdmin, ReadOnlyAdmin, ReadOnlyInline

from . import selectors
from .models import (
    CoachingRequest,
    CoachProfile,
    MatchingRun,
    MatchProposal,
    Meeting,
    Mentorship,
    Milestone,
    UnmatchedRequest,
)


@admin.register(CoachProfile)
class CoachProfileAdmin(CoordinatorAdmin):
    """Programmes, languages, availability and skills are validated by
    ``save_coach_profile`` on the coach's own page, so they are read-only here;
    profiles are created there too."""

    list_display = ["user", "municipality", "capacity", "load", "is_active",
                    "volunteer_agreement_signed", "police_certificate_seen_on"]  # fmt: skip
    list_filter = ["is_active", "is_volunteer", "volunteer_agreement_signed",
                   "municipality__region"]  # fmt: skip
    list_select_related = ["user", "municipality"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["user", "programmes", "languages", "availability", "skills", "updated_at"]

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return selectors.with_load(super().get_queryset(request))

    @admin.display(description=_("Load"), ordering="load")
    def load(self, profile) -> int:
        """Active mentees plus open proposals, as matching counts them."""
        return profile.load


@admin.register(CoachingRequest)
class CoachingRequestAdmin(ReadOnlyAdmin):
    access_what, access_subjects = AccessWhat.COACHING_REQUEST, ("learner",)
    list_display = ["learner", "programme", "german_level", "municipality", "status", "created_at",
                    "matched_at"]  # fmt: skip
    list_filter = ["status", "programme", "german_level", "municipality__region"]
    list_select_related = ["learner", "municipality"]
    search_fields = ["learner__email", "learner__full_name", "care_facility"]
    date_hierarchy = "created_at"


class UnmatchedInline(ReadOnlyInline):
    model = UnmatchedRequest
    fields = readonly_fields = ("request", "reasons")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("request__learner")


@admin.register(MatchingRun)
class MatchingRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "started_by", "duration_ms"]
    list_select_related = ["started_by"]
    date_hierarchy = "created_at"
    inlines = [UnmatchedInline]


@admin.register(MatchProposal)
class MatchProposalAdmin(ReadOnlyAdmin):
    access_what, access_subjects = AccessWhat.COACHING_REQUEST, ("request__learner",)
    list_display = ["request", "coach", "score", "status", "created_at", "expires_at"]
    list_filter = ["status", "request__programme"]
    list_select_related = ["request__learner", "coach"]
    search_fields = ["request__learner__email", "coach__email", "coach__full_name"]
    date_hierarchy = "created_at"


@admin.register(Mentorship)
class MentorshipAdmin(ReadOnlyAdmin):
    access_what, access_subjects = AccessWhat.MENTEE, ("learner",)
    list_display = ["coach", "learner", "started_at", "ended_at", "end_reason"]
    list_filter = ["end_reason", "request__programme"]
    list_select_related = ["coach", "learner"]
    search_fields = ["coach__email", "coach__full_name", "learner__email", "learner__full_name"]
    date_hierarchy = "started_at"


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    access_what, access_subjects = AccessWhat.MENTEE, ("mentorship__learner",)
    list_display = ["mentorship", "starts_at", "status", "place"]
    list_filter = ["status"]
    list_select_related = ["mentorship__coach", "mentorship__learner"]
    search_fields = ["mentorship__coach__email", "mentorship__learner__email"]
    date_hierarchy = "starts_at"


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    access_what, access_subjects = AccessWhat.MENTEE, ("mentorship__learner",)
    list_display = ["mentorship", "kind", "occurred_on"]
    list_filter = ["kind", "mentorship__request__programme"]
    list_select_related = ["mentorship__coach", "mentorship__learner"]
    search_fields = ["mentorship__coach__email", "mentorship__learner__email"]
    date_hierarchy = "occurred_on"
