from django.contrib import admin

from .models import (
    CoachingRequest,
    CoachProfile,
    MatchingRun,
    MatchProposal,
    Meeting,
    Mentorship,
    Milestone,
)


@admin.register(CoachProfile)
class CoachProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "capacity", "is_active", "volunteer_agreement_signed",
                    "police_certificate_seen_on"]  # fmt: skip
    list_filter = ["is_active", "volunteer_agreement_signed", "municipality__region"]
    list_select_related = ["user", "municipality"]
    search_fields = ["user__email", "user__full_name"]
    raw_id_fields = ["user"]


@admin.register(CoachingRequest)
class CoachingRequestAdmin(admin.ModelAdmin):
    list_display = ["learner", "programme", "german_level", "municipality", "status", "created_at"]
    list_filter = ["status", "programme", "german_level", "municipality__region"]
    list_select_related = ["learner", "municipality"]
    search_fields = ["learner__email", "learner__full_name"]
    raw_id_fields = ["learner", "created_by"]


@admin.register(MatchingRun)
class MatchingRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at", "started_by", "duration_ms"]
    list_select_related = ["started_by"]


@admin.register(MatchProposal)
class MatchProposalAdmin(admin.ModelAdmin):
    list_display = ["request", "coach", "score", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["request__learner", "coach"]
    raw_id_fields = ["run", "request", "coach", "created_by", "approved_by"]


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ["coach", "learner", "started_at", "ended_at", "end_reason"]
    list_filter = ["end_reason"]
    list_select_related = ["coach", "learner"]
    raw_id_fields = ["request", "coach", "learner"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["mentorship", "starts_at", "status"]
    list_select_related = ["mentorship__coach", "mentorship__learner"]
    raw_id_fields = ["mentorship"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["mentorship", "kind", "occurred_on"]
    list_filter = ["kind"]
    list_select_related = ["mentorship__coach", "mentorship__learner"]
    raw_id_fields = ["mentorship", "recorded_by"]
