"""REST API for coaching: profiles, requests, matching runs, proposals, mentorships.

Thin: serializers check the shape of input, services apply the rules,
selectors decide who sees what (someone else's object answers 404).
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import LogsReads
from accounts.api import learner_to_act_for
from accounts.constants import AccessWhat
from accounts.roles import COACH, COORDINATOR, LEARNER, has_role
from common.api import UserLanguageMixin
from common.errors import NotAllowed
from common.languages import LANGUAGE_CODES

from . import selectors, services
from .constants import (
    MAX_AVAILABILITY_RANGES,
    MAX_LANGUAGES,
    OTHER_LANGUAGE_CODES,
    SKILL_CHOICES,
    EndReason,
    Gender,
    GermanLevel,
    LanguageLevel,
    MilestoneKind,
    Programme,
    ShiftPattern,
)
from .explain import describe_part, describe_reasons, describe_rule
from .models import CoachingRequest, CoachProfile, MatchProposal, Meeting

# --- Shapes of input ----------------------------------------------------------------------------


class TimeRangeSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": _("The end must be after the start.")})
        return attrs

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return {
            "weekday": value["weekday"],
            "start": value["start"].strftime("%H:%M"),
            "end": value["end"].strftime("%H:%M"),
        }


class SpokenLanguageSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=LANGUAGE_CODES)
    level = serializers.ChoiceField(choices=LanguageLevel.choices)


# Lists of nested objects are ListFields (not ``many=True``) so their maximum
# is also in the OpenAPI schema (maxItems), which tests/test_list_limits.py checks.
def availability_field(**kwargs):
    return serializers.ListField(
        child=TimeRangeSerializer(),
        allow_empty=False,
        max_length=MAX_AVAILABILITY_RANGES,
        **kwargs,
    )


# --- Coach profile -------------------------------------------------------------------------------


class CoachProfileSerializer(serializers.ModelSerializer):
    programmes = serializers.ListField(
        child=serializers.ChoiceField(choices=Programme.choices),
        allow_empty=False,
        max_length=len(Programme.choices),
    )
    languages = serializers.ListField(
        child=SpokenLanguageSerializer(), allow_empty=False, max_length=MAX_LANGUAGES
    )
    availability = availability_field()
    skills = serializers.ListField(
        child=serializers.ChoiceField(choices=SKILL_CHOICES), max_length=len(SKILL_CHOICES)
    )
    onboarding_complete = serializers.SerializerMethodField()
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)

    class Meta:
        model = CoachProfile
        fields = [
            "programmes", "languages", "municipality", "municipality_name", "travel_radius_km",
            "online_ok", "availability", "capacity", "skills", "gender", "is_active",
            "is_volunteer", "volunteer_agreement_signed", "police_certificate_seen_on",
            "onboarding_complete",
        ]  # fmt: skip
        read_only_fields = [
            "is_volunteer", "volunteer_agreement_signed", "police_certificate_seen_on",
        ]  # fmt: skip
        extra_kwargs = {
            "travel_radius_km": {"min_value": 0, "max_value": 100},
            "capacity": {"min_value": 0, "max_value": 20},
        }

    def get_onboarding_complete(self, profile) -> bool:
        return profile.onboarding_complete(timezone.localdate())


class CoachProfileView(UserLanguageMixin, APIView):
    """A coach's own profile: languages, place and radius, availability, capacity, skills."""

    allowed_roles = {"get": {COACH}, "put": {COACH}}
    rule_errors = {"get": {404}}  # a coach without a profile yet

    @extend_schema(responses=CoachProfileSerializer)
    def get(self, request):
        profile = get_object_or_404(CoachProfile.objects.select_related("municipality"),
                                    user=request.user)  # fmt: skip
        return Response(CoachProfileSerializer(profile).data)

    @extend_schema(request=CoachProfileSerializer, responses=CoachProfileSerializer)
    def put(self, request):
        serializer = CoachProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = services.save_coach_profile(user=request.user, **serializer.validated_data)
        return Response(CoachProfileSerializer(profile).data)


# --- Requests ---------------------------------------------------------------------------------------


class CoachingRequestSerializer(serializers.ModelSerializer):
    goals = serializers.ListField(
        child=serializers.ChoiceField(choices=SKILL_CHOICES),
        required=False,
        max_length=len(SKILL_CHOICES),
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=OTHER_LANGUAGE_CODES),
        required=False,
        max_length=MAX_LANGUAGES,
    )
    availability = availability_field()
    programme = serializers.ChoiceField(choices=Programme.choices)
    german_level = serializers.ChoiceField(choices=GermanLevel.choices)
    coach_gender_preference = serializers.ChoiceField(
        choices=Gender.choices, required=False, allow_blank=True
    )
    shift_pattern = serializers.ChoiceField(
        choices=ShiftPattern.choices, required=False, allow_blank=True
    )
    learner = serializers.IntegerField(
        required=False,
        write_only=True,
        help_text="Coordinators only: the learner this request is for (user id).",
    )
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)

    class Meta:
        model = CoachingRequest
        fields = [
            "id", "learner", "programme", "goals", "languages", "german_level", "municipality",
            "municipality_name", "availability", "online_ok", "coach_gender_preference",
            "care_facility", "shift_pattern", "notes", "status", "created_at", "matched_at",
            "closed_at",
        ]  # fmt: skip
        read_only_fields = ["status", "created_at", "matched_at", "closed_at"]
        extra_kwargs = {"notes": {"max_length": 2000}}  # as on the page
        # One request per programme is the service's rule (and error), not a serializer's.
        validators: list = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["learner"] = instance.learner_id
        return data


class CoachingRequestViewSet(
    UserLanguageMixin,
    LogsReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Requests for a coach: learners see and make their own; coordinators all,
    for anyone (their reading of someone's request is logged)."""

    access_what = AccessWhat.COACHING_REQUEST
    serializer_class = CoachingRequestSerializer
    filterset_fields = ["status", "programme"]
    allowed_roles = {
        "list": {LEARNER, COORDINATOR},
        "retrieve": {LEARNER, COORDINATOR},
        "create": {LEARNER, COORDINATOR},
        "withdraw": {LEARNER, COORDINATOR},
    }
    rule_errors = {"create": {409}, "withdraw": {409}}

    def get_queryset(self):
        return selectors.visible_requests(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        learner = learner_to_act_for(
            request,
            data.pop("learner", None),
            missing=_("Say which learner this is for."),
            not_coordinator=_("Only coordinators ask for someone else."),
        )
        created = services.create_request(learner=learner, created_by=request.user, **data)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw a request that has no coach yet", request=None)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        closed = services.close_request(request=self.get_object(), by=request.user)
        return Response(self.get_serializer(closed).data)


# --- Mentorships as answers (a coach accepting a proposal gets one) ----------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField(allow_null=True)  # null: registered by phone, no address
    phone = serializers.CharField()


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = ["id", "mentorship", "starts_at", "ends_at", "place", "online_link", "status",
                  "sequence"]  # fmt: skip
        read_only_fields = ["mentorship", "status", "sequence"]


class MentorshipSerializer(serializers.Serializer):
    """A mentorship as the reader may see it (``selectors.summary_only``): after the
    end its coach gets the summary — the learner's first name, no email
    (``null``) and no phone (``""``), no meetings; milestones without notes
    under ``milestones/``. A coach sees the learner's phone only while the
    learner consents to share it."""

    id = serializers.IntegerField()
    request = serializers.IntegerField(source="request_id")
    programme = serializers.CharField(source="request.programme")
    # null: the coach's data was erased (the mentorship ended, its history stays the learner's)
    coach = PersonSerializer(allow_null=True)
    learner = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()
    summary_only = serializers.SerializerMethodField(
        help_text="True for the coach of an ended mentorship: contact details, notes and "
        "meetings are closed to them."
    )
    upcoming_meetings = serializers.SerializerMethodField()

    def _reader(self):
        return self.context["request"].user

    @extend_schema_field(PersonSerializer)
    def get_learner(self, mentorship) -> dict:
        return selectors.learner_as_seen_by(self._reader(), mentorship)

    def get_summary_only(self, mentorship) -> bool:
        return selectors.summary_only(self._reader(), mentorship)

    @extend_schema_field(MeetingSerializer(many=True))
    def get_upcoming_meetings(self, mentorship) -> list:
        if selectors.summary_only(self._reader(), mentorship):
            return []
        return MeetingSerializer(mentorship.scheduled_meetings, many=True).data


# --- Proposals ---------------------------------------------------------------------------------------


class RequestForCoachSerializer(serializers.Serializer):
    """What a coach needs to decide, and nothing more: ``selectors.before_accepting``."""

    id = serializers.IntegerField()
    first_name = serializers.CharField(help_text="Empty when the learner gave no name.")
    programme = serializers.ChoiceField(choices=Programme.choices)
    goals = serializers.ListField(child=serializers.ChoiceField(choices=SKILL_CHOICES))
    languages = serializers.ListField(child=serializers.CharField())
    german_level = serializers.ChoiceField(choices=GermanLevel.choices)
    municipality_name = serializers.CharField()
    availability = TimeRangeSerializer(many=True)
    online_ok = serializers.BooleanField()
    care_facility = serializers.CharField()
    shift_pattern = serializers.CharField()
    notes = serializers.CharField()

    def to_representation(self, instance):
        return {"id": instance.pk, **selectors.before_accepting(instance)}


class ProposalSerializer(serializers.ModelSerializer):
    request = RequestForCoachSerializer(read_only=True)
    coach_name = serializers.CharField(source="coach.get_full_name", read_only=True)
    explanation = serializers.SerializerMethodField()
    score_parts = serializers.SerializerMethodField()
    overridden_rules = serializers.SerializerMethodField()

    class Meta:
        model = MatchProposal
        fields = [
            "id", "run", "request", "coach", "coach_name", "score", "score_parts", "explanation",
            "overridden_rules", "status", "created_at", "approved_at", "expires_at",
            "answered_at", "decline_reason",
        ]  # fmt: skip

    def get_score_parts(self, proposal) -> list[dict]:
        return [{**part, "text": describe_part(part)} for part in proposal.score_parts]

    def get_explanation(self, proposal) -> list[str]:
        return [describe_part(part) for part in proposal.score_parts]

    def get_overridden_rules(self, proposal) -> list[dict]:
        return [{"code": code, "text": describe_rule(code)} for code in proposal.overridden_rules]


class ManualProposalSerializer(serializers.Serializer):
    request = serializers.PrimaryKeyRelatedField(queryset=CoachingRequest.objects.all())
    coach = serializers.PrimaryKeyRelatedField(queryset=CoachProfile.objects.select_related("user"))
    override = serializers.BooleanField(
        default=False, help_text="Propose although hard rules are broken (they are recorded)."
    )


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class ProposalViewSet(
    UserLanguageMixin,
    LogsReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Proposals: coordinators see all and approve; a coach sees those sent to
    them and answers. Each shows the learner's request (access log)."""

    access_what = AccessWhat.COACHING_REQUEST
    access_subject = "request.learner_id"
    access_object = "request_id"
    serializer_class = ProposalSerializer
    filterset_fields = ["status", "run"]
    allowed_roles = {
        "list": {COACH, COORDINATOR},
        "retrieve": {COACH, COORDINATOR},
        "create": {COORDINATOR},
        "approve": {COORDINATOR},
        "accept": {COACH},
        "decline": {COACH},
    }
    rule_errors = {"create": {409}, "approve": {409}, "accept": {409}, "decline": {409}}

    def get_queryset(self):
        return selectors.visible_proposals(self.request.user)

    @extend_schema(
        summary="Propose a coach by hand (coordinators)",
        request=ManualProposalSerializer,
        responses={201: ProposalSerializer},
    )
    def create(self, request):
        payload = ManualProposalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        proposal, warnings = services.propose_by_hand(
            request=data["request"], coach=data["coach"].user, by=request.user,
            override=data["override"],
        )  # fmt: skip
        body = {**ProposalSerializer(proposal).data, "warnings": warnings}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Approve a proposal: it goes to the coach", request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        proposal = services.approve_proposal(proposal=self.get_object(), by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)

    @extend_schema(
        summary="Accept: the mentorship begins", request=None, responses=MentorshipSerializer
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        mentorship = services.accept_proposal(proposal=self.get_object(), coach=request.user)
        mentorship = selectors.visible_mentorships(request.user).get(pk=mentorship.pk)
        return Response(MentorshipSerializer(mentorship, context={"request": request}).data)

    @extend_schema(summary="Decline, with a reason", request=DeclineSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        proposal = self.get_object()  # an unknown id is 404 whatever the body says
        payload = DeclineSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = services.decline_proposal(
            proposal=proposal, coach=request.user, reason=payload.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data)


# --- Matching runs -------------------------------------------------------------------------------------


class MatchingRunRequestSerializer(serializers.Serializer):
    programme = serializers.ChoiceField(
        choices=Programme.choices, required=False, help_text="Only this programme (default: all)."
    )


class MatchingRunSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_by = serializers.IntegerField(source="started_by_id", allow_null=True)
    parameters = serializers.JSONField()
    totals = serializers.JSONField()
    duration_ms = serializers.IntegerField()


class MatchingRunSerializer(MatchingRunSummarySerializer):
    proposals = ProposalSerializer(many=True)
    unmatched = serializers.SerializerMethodField()

    def get_unmatched(self, run) -> list[dict]:
        return [
            {
                "request": item.request_id,
                "learner": item.request.learner_id,
                "reasons": [
                    {**reason, "text": text}
                    for reason, text in zip(
                        item.reasons, describe_reasons(item.reasons), strict=True
                    )
                ],
            }
            for item in run.unmatched.all()
        ]


class MatchingRunViewSet(UserLanguageMixin, viewsets.GenericViewSet):
    """Start a matching run over all open requests; read earlier runs."""

    allowed_roles = {"list": {COORDINATOR}, "retrieve": {COORDINATOR}, "create": {COORDINATOR}}
    rule_errors = {"create": {409}}  # another run is being saved
    serializer_class = MatchingRunSerializer

    def get_queryset(self):
        return selectors.runs()

    @extend_schema(responses=MatchingRunSummarySerializer(many=True))
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MatchingRunSummarySerializer(page, many=True).data)

    @extend_schema(responses=MatchingRunSerializer)
    def retrieve(self, request, pk=None):
        run = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(MatchingRunSerializer(selectors.run_with_results(run.pk)).data)

    @extend_schema(request=MatchingRunRequestSerializer, responses={201: MatchingRunSerializer})
    def create(self, request):
        payload = MatchingRunRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = services.start_matching_run(
            by=request.user, programme=payload.validated_data.get("programme")
        )
        body = MatchingRunSerializer(selectors.run_with_results(run.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


# --- Mentorships ----------------------------------------------------------------------------------------


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=5000)
    author = serializers.CharField(source="author.get_full_name", read_only=True, default="")
    created_at = serializers.DateTimeField(read_only=True)


class MilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=MilestoneKind.choices)
    occurred_on = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class EndSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=EndReason.choices)


class MentorshipViewSet(
    UserLanguageMixin,
    LogsReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Mentorships: a coach's mentees, a learner's coach, all for coordinators.

    Notes are for the coach and coordinators only (a coordinator's reading is
    logged); learners see their meetings and milestones. A coach's or
    coordinator's reading of a mentee (the mentorship, its meetings and
    milestones) is logged too.
    """

    access_what = AccessWhat.MENTEE
    serializer_class = MentorshipSerializer
    allowed_roles = {
        "list": {LEARNER, COACH, COORDINATOR},
        "retrieve": {LEARNER, COACH, COORDINATOR},
        "meetings": {LEARNER, COACH, COORDINATOR},
        "notes": {COACH, COORDINATOR},
        "milestones": {LEARNER, COACH, COORDINATOR},
        "note": {COACH, COORDINATOR},  # only its author: someone else's note is 404
        "milestone": {COACH, COORDINATOR},
        "end": {COACH, COORDINATOR},
    }
    # The mentorship has ended (409 ``mentorship_ended``; after the end its coach
    # also reads no notes or meetings); actions under one path answer per method.
    rule_errors = {
        "meetings": {409},
        "notes": {409},
        "milestones": {409},
        "note": {409},
        "milestone": {409},
        "end": {409},
    }

    def get_queryset(self):
        return selectors.visible_mentorships(self.request.user)

    @extend_schema(
        methods=["POST"], request=MeetingSerializer, responses={201: MeetingSerializer},
        summary="Schedule a meeting (the coach or a coordinator)",
    )  # fmt: skip
    @extend_schema(methods=["GET"], responses=MeetingSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def meetings(self, request, pk=None):
        mentorship = self.get_object()
        if request.method == "GET":
            self.record_reads([mentorship])
            meetings = services.read_meetings(mentorship=mentorship, reader=request.user)
            return Response(MeetingSerializer(meetings, many=True).data)
        self._refuse_learner(request)
        payload = MeetingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        meeting = services.schedule_meeting(
            mentorship=mentorship, by=request.user, starts_at=data["starts_at"],
            ends_at=data["ends_at"], place=data.get("place", ""),
            online_link=data.get("online_link", ""),
        )  # fmt: skip
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["POST"], request=NoteSerializer, responses={201: NoteSerializer})
    @extend_schema(methods=["GET"], responses=NoteSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def notes(self, request, pk=None):
        mentorship = self.get_object()
        if request.method == "GET":
            notes = services.read_notes(mentorship=mentorship, reader=request.user)
            return Response(NoteSerializer(notes, many=True).data)
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = services.add_note(
            mentorship=mentorship, author=request.user, text=payload.validated_data["text"]
        )
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["POST"], request=MilestoneSerializer, responses={201: MilestoneSerializer}
    )
    @extend_schema(methods=["GET"], responses=MilestoneSerializer(many=True))
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def milestones(self, request, pk=None):
        mentorship = self.get_object()
        if request.method == "GET":
            self.record_reads([mentorship])
            milestones = services.read_milestones(mentorship=mentorship, reader=request.user)
            return Response(MilestoneSerializer(milestones, many=True).data)
        self._refuse_learner(request)
        payload = MilestoneSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        milestone = services.record_milestone(
            mentorship=mentorship, by=request.user, **payload.validated_data
        )
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"], request=NoteSerializer, responses={200: NoteSerializer},
        summary="Rewrite one of one's own notes",
    )  # fmt: skip
    @extend_schema(methods=["DELETE"], responses={204: None}, summary="Delete one's own note")
    @action(detail=True, methods=["patch", "delete"], url_path=r"notes/(?P<note_id>[0-9]+)")
    def note(self, request, pk=None, note_id=None):
        mentorship = self.get_object()
        note = get_object_or_404(
            selectors.notes_of(mentorship).filter(author=request.user), pk=note_id
        )
        if request.method == "DELETE":
            services.delete_note(note=note, by=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = services.edit_note(note=note, by=request.user, text=payload.validated_data["text"])
        return Response(NoteSerializer(note).data)

    @extend_schema(
        methods=["PATCH"], request=MilestoneSerializer, responses={200: MilestoneSerializer},
        summary="Correct a milestone (the coach or a coordinator)",
    )  # fmt: skip
    @extend_schema(methods=["DELETE"], responses={204: None}, summary="Delete a milestone")
    @action(
        detail=True, methods=["patch", "delete"], url_path=r"milestones/(?P<milestone_id>[0-9]+)"
    )
    def milestone(self, request, pk=None, milestone_id=None):
        mentorship = self.get_object()
        milestone = get_object_or_404(selectors.milestones_of(mentorship), pk=milestone_id)
        if request.method == "DELETE":
            services.delete_milestone(milestone=milestone, by=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        current = {"kind": milestone.kind, "occurred_on": milestone.occurred_on,
                   "note": milestone.note}  # fmt: skip
        payload = MilestoneSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        milestone = services.edit_milestone(
            milestone=milestone, by=request.user, **{**current, **payload.validated_data}
        )
        return Response(MilestoneSerializer(milestone).data)

    @extend_schema(summary="End the mentorship, with a reason", request=EndSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        mentorship = self.get_object()
        payload = EndSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        mentorship = services.end_mentorship(
            mentorship=mentorship, by=request.user, reason=payload.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=mentorship.pk)).data)

    def _refuse_learner(self, request):
        if not (has_role(request.user, COACH) or has_role(request.user, COORDINATOR)):
            raise NotAllowed(_("Only the coach and the coordination office can do this."))


class MoveMeetingSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    online_link = serializers.URLField(required=False, allow_blank=True)


class MeetingViewSet(UserLanguageMixin, viewsets.GenericViewSet):
    """Move or cancel a meeting (the coach of the mentorship or a coordinator)."""

    serializer_class = MeetingSerializer
    allowed_roles = {"move": {COACH, COORDINATOR}, "cancel": {COACH, COORDINATOR}}
    rule_errors = {"move": {409}, "cancel": {409}}

    def get_queryset(self):
        return selectors.workable_meetings(self.request.user)

    @extend_schema(summary="Move a meeting", request=MoveMeetingSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        meeting = self.get_object()
        payload = MoveMeetingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        meeting = services.move_meeting(meeting=meeting, by=request.user,
                                        **payload.validated_data)  # fmt: skip
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(summary="Cancel a meeting", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        meeting = services.cancel_meeting(meeting=self.get_object(), by=request.user)
        return Response(MeetingSerializer(meeting).data)


class FiguresView(UserLanguageMixin, APIView):
    """Figures mentoring programmes judge matching by: durations, early endings, outcomes."""

    allowed_roles = {"get": {COORDINATOR}}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(selectors.mentorship_figures())
