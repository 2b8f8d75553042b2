"""The signed-in person's own profile; the people the office registers and finds."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import UserLanguageMixin
from notifications.constants import OPTIONAL_CHANNELS, Channel
from notifications.services import channels_of
from places.models import Municipality

from . import selectors, services
from .access import LogsListReads
from .constants import AccessWhat, ConsentPurpose, ConsentVia
from .forms import AccessTrailForm
from .models import AccessLog, User
from .roles import (
    COORDINATOR,
    COORDINATORS,
    DATA_PROTECTION_OFFICERS,
    LEARNER,
    SIGNED_IN,
    has_role,
    roles_of,
)
from .selectors import PEOPLE_SEARCH_LIMIT, access_trail, find_learners, learners


class ProfileSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    notification_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=OPTIONAL_CHANNELS),
        required=False,
        max_length=len(OPTIONAL_CHANNELS),
        help_text="Channels besides the in-app inbox (which is always on): 'email' and "
        "'sms' (text messages to `phone`, which must be a mobile number). Each is a consent "
        "(see `/api/v1/me/consents/`): choosing 'email' without an address is "
        "`409 consent_needs_email`, 'sms' without a phone number that can receive text "
        "messages `409 consent_needs_phone`; a phone given in the same request counts.",
    )

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "preferred_language", "phone", "phone_verified",
                  "home_municipality", "notification_channels", "roles"]  # fmt: skip
        read_only_fields = ["id", "email", "phone_verified", "roles"]
        extra_kwargs = {
            "phone_verified": {"help_text": "The number was proved by a code sent to it (or "
                               "given to the office); only a verified number signs in."},
        }  # fmt: skip

    def get_roles(self, user) -> list[str]:
        return sorted(roles_of(user))


def learner_to_act_for(request, learner_id, *, missing: str, not_coordinator: str):
    """Who an action is for: the signed-in learner, or (coordinators only) the
    named learner, e.g. after a phone call to the office. The two messages
    say what the action is ("Say which learner to book for.")."""
    if learner_id is None:
        if not has_role(request.user, LEARNER):
            raise serializers.ValidationError({"learner": [missing]})
        return request.user
    if not has_role(request.user, COORDINATOR):
        raise serializers.ValidationError({"learner": [not_coordinator]})
    learner = learners().filter(pk=learner_id).first()
    if learner is None:
        raise serializers.ValidationError({"learner": [_("Unknown learner.")]})
    return learner


class MeView(UserLanguageMixin, APIView):
    """Read and change one's own profile: language, phone, home municipality,
    and the channels besides the inbox (email, SMS). A phone that is no
    number is `400 validation_error` on `phone`; a channel the person cannot
    be reached on is `409` (`consent_needs_email`, `consent_needs_phone`),
    and nothing is changed."""

    allowed_roles = {"get": SIGNED_IN, "patch": SIGNED_IN}
    rule_errors = {"patch": {409}}  # consent_needs_email, consent_needs_phone

    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request):
        serializer = ProfileSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.update_profile(
            user=request.user, via=ConsentVia.API, **serializer.validated_data
        )
        return Response(ProfileSerializer(user).data)


# --- Consent to what is optional ---------------------------------------------------------


class ConsentStateSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given = serializers.BooleanField()
    at = serializers.DateTimeField(
        allow_null=True, help_text="When it was last given or withdrawn."
    )
    text_version = serializers.CharField(
        allow_null=True, help_text="The privacy notice's text version the person saw then."
    )


class ConsentRecordSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given = serializers.BooleanField()
    at = serializers.DateTimeField()
    text_version = serializers.CharField()
    via = serializers.ChoiceField(choices=ConsentVia.choices)


class ConsentsSerializer(serializers.Serializer):
    notice_version = serializers.CharField(help_text="The privacy notice's current text version.")
    consents = ConsentStateSerializer(many=True)
    history = ConsentRecordSerializer(many=True, help_text="Every change, newest first.")


class ConsentChangeSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given = serializers.BooleanField(help_text="true gives the consent, false withdraws it.")


def consents_of(person) -> dict:
    return {
        "notice_version": settings.KURSLOTSE_PRIVACY_NOTICE_VERSION,
        "consents": list(selectors.current_consents(person).values()),
        "history": list(selectors.consent_history(person)),
    }


class MyConsentsView(UserLanguageMixin, APIView):
    """Consent to what is optional: email messages, text messages, and showing
    one's phone number to one's coach. Every change is recorded with its time and the
    privacy notice's text version; the latest record is the current state.
    Withdrawing email stops email messages (``notification_channels`` follows)."""

    allowed_roles = {"get": SIGNED_IN, "post": SIGNED_IN}
    rule_errors = {"post": {409}}  # consent_needs_email, consent_needs_phone

    @extend_schema(summary="My consents and their history", responses=ConsentsSerializer)
    def get(self, request):
        return Response(ConsentsSerializer(consents_of(request.user)).data)

    @extend_schema(
        summary="Give or withdraw a consent", request=ConsentChangeSerializer,
        responses=ConsentsSerializer,
    )  # fmt: skip
    def post(self, request):
        payload = ConsentChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.record_consent(person=request.user, **payload.validated_data, via=ConsentVia.API)
        return Response(ConsentsSerializer(consents_of(request.user)).data)


# --- The office: people who call, with or without an email address ------------------------


class ContactSerializer(serializers.ModelSerializer):
    """How to reach a person: name, address (``null`` for people registered by
    phone), phone (E.164), the language to speak with them, and the channels
    their notifications take (``sms``: text messages; ``office_call``: the
    office calls them)."""

    email = serializers.EmailField(read_only=True, allow_null=True)
    home_municipality_name = serializers.CharField(
        source="home_municipality.name", read_only=True, default=None
    )
    has_login = serializers.SerializerMethodField()
    channels = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "full_name", "email", "phone", "preferred_language",
                  "home_municipality", "home_municipality_name", "has_login", "channels"]  # fmt: skip
        read_only_fields = fields

    def get_has_login(self, user) -> bool:
        return bool(user.email) and user.has_usable_password()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Channel.choices)))
    def get_channels(self, user) -> list[str]:
        return [str(channel) for channel in channels_of(user)]


class NewParticipantSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32)
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES)
    home_municipality = serializers.PrimaryKeyRelatedField(
        queryset=Municipality.objects.all(), required=False, allow_null=True, default=None
    )
    sms_notifications = serializers.BooleanField(
        required=False,
        default=True,
        help_text="The person agreed on the call to get their messages by SMS (only a mobile "
        "number can; a landline is called by the office).",
    )


class ParticipantViewSet(
    UserLanguageMixin,
    LogsListReads,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The coordination office finds a caller by name, email or phone, or
    registers one without an email address (who then has no login). Each
    person found is a read of their contact details (access log)."""

    access_what = AccessWhat.CONTACT_DETAILS
    access_subject = "pk"
    serializer_class = ContactSerializer
    pagination_class = None
    filterset_class = None
    allowed_roles = {"list": COORDINATORS, "create": COORDINATORS}
    rule_errors = {"create": {409}}

    def get_queryset(self):
        return find_learners(self.request.query_params.get("search", ""))

    @extend_schema(
        summary="Find learners by name, email or phone (coordinators)",
        parameters=[
            OpenApiParameter(
                "search",
                str,
                description="Part of the name or email address, or the phone number in any "
                f'spelling ("0711 123456"). At least 2 characters; at most '
                f"{PEOPLE_SEARCH_LIMIT} people, by name.",
            )
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Register a participant without email, who called the office (coordinators)",
        request=NewParticipantSerializer,
        responses={201: ContactSerializer},
    )
    def create(self, request, *args, **kwargs):
        payload = NewParticipantSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.register_participant_by_phone(**payload.validated_data, by=request.user)
        return Response(ContactSerializer(user).data, status=status.HTTP_201_CREATED)


# --- The rights of the person: export (Art. 15, 20) and erasure (Art. 17) ----------------


class PersonalDataSerializer(serializers.Serializer):
    """Everything Kurslotse stores about one person (``accounts.services.export_person``)."""

    format = serializers.CharField(help_text=f"The layout's version: `{services.EXPORT_FORMAT}`.")
    generated_at = serializers.DateTimeField()
    person = serializers.IntegerField(help_text="The person's id.")
    sections = serializers.DictField(
        child=serializers.JSONField(),
        help_text="One entry per kind of data, by name: `profile`, `access_log` (who looked at "
        "the data), `bookings` (with children's ages and waiting-list positions), `coaching` "
        "(requests, mentorships with meetings, milestones and the coach's notes; for coaches "
        "their profile), `notifications`, `calendar_feed`, and what further apps register. "
        "Dates and times are ISO 8601.",
    )


def export_response(person) -> Response:
    """The export as a JSON download (``Content-Disposition: attachment``)."""
    document = services.export_person(person=person)
    response = Response(document)
    day = document["generated_at"][:10]
    response["Content-Disposition"] = (
        f'attachment; filename="kurslotse-data-{person.pk}-{day}.json"'
    )
    return response


class ErasureSerializer(serializers.Serializer):
    erased = serializers.BooleanField(help_text="Always true: the person's data is gone.")
    counts = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text='What each section removed, e.g. `{"bookings": {"cancelled": 1}}`.',
    )


class EraseMeSerializer(serializers.Serializer):
    password = serializers.CharField(
        max_length=128, allow_blank=True, required=False, default="", trim_whitespace=False,
        style={"input_type": "password"}, help_text="Your current password, typed again.",
    )  # fmt: skip


class ErasePersonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=services.MAX_ERASURE_REASON,
        help_text="Why (e.g. “letter of 3 March”), one line; not the person's name. "
        "Goes to the server log, never to anyone notified.",
    )


class MyExportView(UserLanguageMixin, APIView):
    allowed_roles = {"get": SIGNED_IN}

    @extend_schema(
        summary="Everything stored about me, as one JSON download (GDPR Art. 15, 20)",
        responses=PersonalDataSerializer,
    )
    def get(self, request):
        return export_response(request.user)


class MyErasureView(UserLanguageMixin, APIView):
    """Erase one's own account and data, after typing the password again: a
    wrong or missing password is `400 wrong_password` and nothing changes."""

    allowed_roles = {"post": SIGNED_IN}
    rule_errors = {"post": {409}}

    @extend_schema(
        summary="Erase my account and my data (GDPR Art. 17); cannot be undone",
        request=EraseMeSerializer,
        responses=ErasureSerializer,
    )
    def post(self, request):
        payload = EraseMeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        counts = services.erase_myself(
            person=request.user, password=payload.validated_data["password"]
        )
        request.session.flush()
        return Response({"erased": True, "counts": counts})


def _person(pk):
    return get_object_or_404(User.objects.all(), pk=pk)


class PersonExportView(UserLanguageMixin, APIView):
    """A coordinator answers a request for access that came by letter or
    phone; the read is recorded in the access log (`what=data_export`)."""

    allowed_roles = {"get": COORDINATORS}

    @extend_schema(
        summary="Everything stored about a person, as one JSON download (coordinators)",
        responses=PersonalDataSerializer,
    )
    def get(self, request, pk: int):
        person = _person(pk)
        services.log_access(actor=request.user, subject=person, what=AccessWhat.DATA_EXPORT)
        return export_response(person)


class PersonErasureView(UserLanguageMixin, APIView):
    """A coordinator erases a person on their request (a letter, a call), with
    a reason. Refused (409 `not_erasable`) for administrators, for other
    coordinators and for oneself (use `me/erase/`)."""

    allowed_roles = {"post": COORDINATORS}
    rule_errors = {"post": {409}}

    @extend_schema(
        summary="Erase a person's account and data (coordinators); cannot be undone",
        request=ErasePersonSerializer,
        responses=ErasureSerializer,
    )
    def post(self, request, pk: int):
        person = _person(pk)
        payload = ErasePersonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        counts = services.erase_someone_else(
            person=person, by=request.user, reason=payload.validated_data["reason"]
        )
        return Response({"erased": True, "counts": counts})


# --- The access trail (data-protection officer) ----------------------------------------------


class TrailPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")


class AccessLogSerializer(serializers.ModelSerializer):
    actor = TrailPersonSerializer(allow_null=True, help_text="Null: the reader's account is gone.")
    subject = TrailPersonSerializer()
    what = serializers.ChoiceField(choices=AccessWhat.choices)
    what_label = serializers.CharField(source="get_what_display")

    class Meta:
        model = AccessLog
        fields = ["id", "at", "actor", "subject", "what", "what_label", "object_id"]


def _trail_parameter(name, kind, text):
    return OpenApiParameter(name, kind, required=False, description=text)


class AccessLogViewSet(UserLanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who read whose personal data, newest first: for the data-protection officer only."""

    serializer_class = AccessLogSerializer
    filterset_class = None
    allowed_roles = {"list": DATA_PROTECTION_OFFICERS}

    def get_queryset(self):
        form = AccessTrailForm(self.request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError({k: list(v) for k, v in form.errors.items()})
        return access_trail(**form.cleaned_data)

    @extend_schema(
        summary="The access trail: who read whose personal data (data-protection officer)",
        description="Newest first, paginated. Every read of another person's personal data "
        "is one row: `what` is one of a fixed vocabulary (`what_label` names it in the "
        "caller's language), `object_id` the record read (for exports and printed lists the "
        "course). 400 `validation_error`: a filter is not a number or a date, or `until` is "
        "before `since` (named in `fields`).",
        parameters=[
            _trail_parameter("subject", int, "Only reads of this person's data (person id)."),
            _trail_parameter("actor", int, "Only reads by this person (person id)."),
            _trail_parameter("since", OpenApiTypes.DATE, "From this day on (YYYY-MM-DD, Berlin)."),
            _trail_parameter(
                "until", OpenApiTypes.DATE, "Up to and including this day (YYYY-MM-DD)."
            ),
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
