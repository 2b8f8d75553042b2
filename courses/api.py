"""REST API for the course catalogue and bookings: validate, call a service, serialise."""

import django_filters
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import LogsReads
from accounts.api import ContactSerializer, learner_to_act_for
from accounts.constants import AccessWhat
from accounts.roles import COORDINATOR, LEARNER, PUBLIC, TEACHER, has_role
from accounts.services import log_reads
from common.api import UserLanguageMixin
from common.idempotency import run_idempotent
from common.translated import TARGET_LANGUAGES, TEXT_LANGUAGES, text
from places.directions import directions_url
from places.models import Municipality
from places.selectors import municipalities

from . import closures, selectors, services
from .constants import (
    HELPER_LANGUAGES,
    MAX_ATTENDANCE_ENTRIES,
    MAX_CHILD_AGE,
    MAX_CHILDREN_PER_BOOKING,
    MAX_EXCEPTION_DATES,
    MAX_RADIUS_KM,
    MAX_REASON_LENGTH,
    MESSAGE_BODY_MAX_LENGTH,
    MESSAGE_SUBJECT_MAX_LENGTH,
    MIN_RADIUS_KM,
    NEW_COURSE_STATUSES,
    AttendanceStatus,
    Audience,
    BookingStatus,
    CourseStatus,
    SkipReason,
)
from .models import Booking, Closure, Course, CourseMessage, CourseSession, Provider, SkippedDate

# --- Serializers ---------------------------------------------------------------------


class WholeObjectField(serializers.Field):
    """A read-only value worked out from the whole object (``source="*"``):
    the fast readers (``_reader``) call its ``to_representation`` on the object."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)


def _text_language_serializer(name: str, fields: tuple[str, ...]) -> type[serializers.Serializer]:
    attrs = {
        field: serializers.ChoiceField(
            choices=TEXT_LANGUAGES,
            help_text=f"The language `{field}` is written in: the caller's, or `de` "
            "(German, the source) where there is no text in the caller's language.",
        )
        for field in fields
    }
    return type(name, (serializers.Serializer,), attrs)


TRANSLATED_VENUE_FIELDS = ("accessibility_notes", "getting_there")
CourseTextLanguageSerializer = _text_language_serializer(
    "CourseTextLanguage", selectors.TRANSLATED_FIELDS
)
VenueTextLanguageSerializer = _text_language_serializer(
    "VenueTextLanguage", TRANSLATED_VENUE_FIELDS
)


@extend_schema_field(CourseTextLanguageSerializer)
class CourseTextLanguageField(WholeObjectField):
    """``{"title": "ar", "description": "de", …}``: per field, since a missing
    translation falls back to German field by field (``common.translated.text``)."""

    def to_representation(self, course):
        return {field: text(course, field).language for field in selectors.TRANSLATED_FIELDS}


@extend_schema_field(VenueTextLanguageSerializer)
class VenueTextLanguageField(WholeObjectField):
    def to_representation(self, venue):
        return {field: text(venue, field).language for field in TRANSLATED_VENUE_FIELDS}


@extend_schema_field(serializers.URLField(allow_blank=True))
class DirectionsField(WholeObjectField):
    """A journey-planner link to the venue (``places.directions.directions_url``)."""

    def to_representation(self, venue):
        return directions_url(venue)


class CourseTranslationTextsSerializer(serializers.Serializer):
    """One language's course texts (schema of ``TranslationsField``'s values)."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    what_to_bring = serializers.CharField(required=False, allow_blank=True)


CourseTranslationsSerializer = type(
    "CourseTranslations",
    (serializers.Serializer,),
    {language: CourseTranslationTextsSerializer(required=False) for language in TARGET_LANGUAGES},
)


class TranslationsField(serializers.DictField):
    """Course texts by language: ``{"ar": {"title": …, "description": …,
    "what_to_bring": …}, …}``. Checked by the service (unknown language or
    field: 400, nothing changed); an empty text removes that translation."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.JSONField(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_a_dict", input_type=type(data).__name__)
        return data  # the rule is the service's (``common.translated.check_translations``)


TRANSLATIONS_HELP = (
    "Translations of the course texts, by language (one of "
    + ", ".join(f"`{code}`" for code in TARGET_LANGUAGES)
    + "), each with any of `title`, `description`, `what_to_bring`. German is the "
    "source: the plain fields. An empty text removes a translation; an unknown "
    "language or field is refused (400 `validation_error`, nothing changed)."
)


class TranslationsFieldSchema(OpenApiSerializerFieldExtension):
    target_class = TranslationsField

    def map_serializer_field(self, auto_schema, direction):
        field = CourseTranslationsSerializer(help_text=self.target.help_text)
        return auto_schema._map_serializer_field(field, direction)


class VenueSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    street = serializers.CharField()
    postal_code = serializers.CharField()
    accessibility_notes = serializers.CharField(
        help_text="In the caller's language, else German (see `text_language`)."
    )
    getting_there = serializers.CharField(
        help_text="How to get there by bus or train; in the caller's language, else German."
    )
    directions_url = DirectionsField(
        help_text="A journey-planner link to the venue (OpenStreetMap); open it on request "
        "only, it is another site."
    )
    text_language = VenueTextLanguageField()


class CourseStatusField(serializers.ChoiceField):
    """A course's state: answers carry every state, a new course is a draft or published."""

    def __init__(self, **kwargs):
        super().__init__(choices=CourseStatus.choices, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in dict(NEW_COURSE_STATUSES):
            self.fail("invalid_choice", input=data)
        return value


class CourseStatusFieldSchema(OpenApiSerializerFieldExtension):
    """The schema says so: the full enum in answers, draft or published in requests."""

    target_class = CourseStatusField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema.update(build_choice_field(serializers.ChoiceField(choices=NEW_COURSE_STATUSES)))
        return schema


class OnlineLinkField(serializers.URLField):
    """The online meeting link: coordinators write it; answers carry ``null`` for
    everyone who may not see it (see ``CourseSerializer.to_representation``)."""


class OnlineLinkFieldSchema(OpenApiSerializerFieldExtension):
    target_class = OnlineLinkField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "response":
            schema["nullable"] = True
        return schema


class _ReadTheUsualWay(Exception):
    """A fast reader met what only DRF's own path knows how to answer."""


# Fields whose ``to_representation`` depends on nothing but the value: read
# them straight, as ``Serializer.to_representation`` does (None stays None).
_PLAIN_FIELDS = (
    serializers.IntegerField,
    serializers.FloatField,
    serializers.CharField,  # URLField too
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,  # in the active time zone, as DRF writes it
    serializers.TimeField,
    serializers.ListField,
    serializers.JSONField,
)


def _reader(field):
    """A function giving what DRF gives for ``field`` of an object
    (``Field.get_attribute`` then ``to_representation``), or None if the field
    is not one of the plain kinds (``_PLAIN_FIELDS``, primary keys, nested
    serializers of those)."""
    attrs = tuple(field.source_attrs)
    default = field.default

    def get(obj):
        try:
            for attr in attrs:
                obj = getattr(obj, attr)
        except AttributeError:  # e.g. ``municipality.name`` of an online course
            if default is serializers.empty:
                raise _ReadTheUsualWay from None
            return field.get_default()
        return obj

    if isinstance(field, WholeObjectField):
        return field.to_representation
    if isinstance(field, serializers.Serializer):
        readers = _field_readers(field)
        if readers is None:
            return None

        def nested(obj):
            value = get(obj)
            return None if value is None else {name: read(value) for name, read in readers}

        return nested
    if type(field) is serializers.PrimaryKeyRelatedField and len(attrs) == 1:
        if field.pk_field is not None:
            return None
        name = attrs[0]
        return lambda obj: obj.serializable_value(name)  # DRF's PKOnlyObject: the id
    if not isinstance(field, _PLAIN_FIELDS) or field.source == "*":
        return None
    if isinstance(field, serializers.ListField) and not isinstance(field.child, _PLAIN_FIELDS):
        return None
    represent = field.to_representation

    def read(obj):
        value = get(obj)
        return None if value is None else represent(value)

    return read


def _field_readers(serializer) -> list | None:
    readers = []
    for field in serializer._readable_fields:
        read = _reader(field)
        if read is None:
            return None
        readers.append((field.field_name, read))
    return readers


_serializer_readers: dict[type, list] = {}


def _readers(serializer_class) -> list:
    """The readers of a serializer class's fields, made once per process."""
    if serializer_class not in _serializer_readers:
        readers = _field_readers(serializer_class())
        if readers is None:
            raise AssertionError(f"{serializer_class.__name__} has a field no reader reads")
        _serializer_readers[serializer_class] = readers
    return _serializer_readers[serializer_class]


class CourseSerializer(serializers.ModelSerializer):
    """A course as the catalogue shows it, and the fields a coordinator sends to create one."""

    municipality_name = serializers.CharField(
        source="municipality.name", read_only=True, default=None
    )
    region = serializers.CharField(source="municipality.region", read_only=True, default=None)
    provider_name = serializers.CharField(source="provider.name", read_only=True, default=None)
    venue_detail = VenueSummarySerializer(source="venue", read_only=True, allow_null=True)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), allow_empty=False, max_length=7
    )
    helper_languages = serializers.ListField(
        child=serializers.CharField(max_length=3),
        required=False,
        max_length=len(HELPER_LANGUAGES),
    )
    exception_dates = serializers.ListField(
        child=serializers.DateField(),
        required=False,
        max_length=MAX_EXCEPTION_DATES,
        help_text="Further dates without a session, beyond those skipped anyway: public "
        "holidays of Baden-Württemberg and the closures that apply to the course "
        "(`/api/v1/closures/`). Every skipped date is listed with its reason at "
        "`/api/v1/courses/{id}/skipped-dates/`.",
    )
    status = CourseStatusField(
        required=False,
        help_text="On creation: draft or published (default published).",
    )
    seats_left = serializers.IntegerField(read_only=True)
    childcare_places_left = serializers.IntegerField(read_only=True)
    waitlist_length = serializers.IntegerField(read_only=True)
    distance_km = serializers.FloatField(read_only=True, allow_null=True, default=None)
    my_booking_status = serializers.CharField(read_only=True, allow_null=True, default=None)
    online_meeting_link = OnlineLinkField(required=False, allow_blank=True)
    text_language = CourseTextLanguageField(
        help_text="Which language `title`, `description` and `what_to_bring` are written "
        "in, per field: the caller's language (profile, else `Accept-Language`) where the "
        "course has a text in it, else `de`."
    )
    translations = TranslationsField(
        required=False,
        write_only=True,
        help_text=TRANSLATIONS_HELP,
    )

    class Meta:
        model = Course
        fields = [
            "id", "title", "description", "what_to_bring", "text_language", "translations",
            "level", "format", "status",
            "provider", "provider_name", "venue", "venue_detail", "municipality",
            "municipality_name", "region", "online_meeting_link", "seats", "childcare_places",
            "childcare_min_age", "childcare_max_age", "helper_languages", "starts_on", "ends_on",
            "weekdays", "start_time", "end_time", "exception_dates", "registration_deadline",
            "offer_hours", "seats_left", "childcare_places_left", "waitlist_length",
            "distance_km", "my_booking_status",
        ]  # fmt: skip
        extra_kwargs = {
            "seats": {"min_value": 1},
            "title": {"help_text": "German on writing (the source); in answers, in the "
                      "caller's language where there is a translation (see `text_language`)."},
        }  # fmt: skip

    def to_representation(self, course):
        """Seats left come from ``selectors.with_places_left``; the online link only for
        those ``selectors.may_see_online_link`` admits (as on the course page).

        Each field is read as DRF reads it, by readers made once per process
        (``_readers``): DRF built the fields anew for every request and walked
        them field by field, a fifth of a catalogue request. A course they
        cannot read (an annotation missing) goes the ordinary way."""
        try:
            data = {name: read(course) for name, read in _readers(CourseSerializer)}
        except _ReadTheUsualWay:
            data = super().to_representation(course)
        if not selectors.may_see_online_link(self.context["request"].user, course):
            data["online_meeting_link"] = None
        return data


class CourseUpdateSerializer(serializers.ModelSerializer):
    """What a coordinator may change on a course that exists (``PATCH``, every
    field optional). Level, format, municipality, first and last day and
    status are fixed: sent anyway, each is refused by name (400)."""

    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        allow_empty=False,
        max_length=7,
        required=False,
        help_text="0 = Monday. Changes the sessions from today on: dates on weekdays no longer "
        "chosen are cancelled (unless moved on their own), new weekdays get their dates.",
    )
    helper_languages = serializers.ListField(
        child=serializers.CharField(max_length=3),
        required=False,
        max_length=len(HELPER_LANGUAGES),
    )
    online_meeting_link = serializers.URLField(required=False, allow_blank=True, max_length=200)
    translations = TranslationsField(required=False, help_text=TRANSLATIONS_HELP)

    class Meta:
        model = Course
        fields = [
            *(f for f in selectors.EDITABLE_FIELDS if f not in selectors.TRANSLATION_COLUMNS),
            "translations",
        ]
        extra_kwargs = {
            "seats": {
                "min_value": 1,
                "help_text": "Not below the seats taken (409 capacity_below_taken); more "
                "seats are offered to the waiting list at once.",
            },
            "childcare_places": {
                "help_text": "Not below the childcare places taken (409 capacity_below_taken)."
            },
            "start_time": {
                "help_text": "For the sessions from today on that kept the course's times."
            },
            "end_time": {
                "help_text": "For the sessions from today on that kept the course's times."
            },
        }


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The course field, e.g. `seats`.")
    label = serializers.CharField(help_text="Its name in the caller's language.")
    old = serializers.CharField(
        help_text="The value before, as display text (a dash when there was none)."
    )
    new = serializers.CharField(help_text="The value after, as display text.")


class CourseChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    by = serializers.IntegerField(source="by_id", allow_null=True, help_text="User id.")
    by_name = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    def get_by_name(self, change) -> str | None:
        return change.by.get_full_name() if change.by else None

    @extend_schema_field(FieldChangeSerializer(many=True))
    def get_changes(self, change):
        return selectors.describe_changes(change)


class SessionSerializer(serializers.ModelSerializer):
    is_moved = serializers.BooleanField(read_only=True)

    class Meta:
        model = CourseSession
        fields = [
            "id", "original_date", "date", "start_time", "end_time", "status", "note",
            "is_moved",
        ]  # fmt: skip


class MoveSessionSerializer(serializers.Serializer):
    date = serializers.DateField()
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CancelSessionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SkippedDateSerializer(serializers.ModelSerializer):
    reason = serializers.ChoiceField(choices=SkipReason.choices, read_only=True)
    reason_text = serializers.CharField(
        read_only=True,
        help_text="Why, for people: the holiday's name in the caller's language (German, "
        "English or Ukrainian; German otherwise), or the closure's name as written.",
    )
    kept = serializers.SerializerMethodField(
        help_text="A coordinator kept the date: it has a session after all."
    )

    class Meta:
        model = SkippedDate
        fields = ["date", "reason", "reason_text", "kept", "kept_at"]
        read_only_fields = fields

    def get_kept(self, skipped) -> bool:
        return skipped.kept_at is not None


class KeepDateSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A date the course skips (see `skipped-dates`).")


class BookingSerializer(serializers.ModelSerializer):
    course_title = serializers.CharField(source="course.title", read_only=True)
    waitlist_position = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Booking
        fields = [
            "id", "course", "course_title", "learner", "status", "children_ages",
            "waitlist_position", "offer_expires_at", "created_at", "confirmed_at",
            "cancelled_at", "cancel_reason",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, booking):
        """Read by readers made once per process, as ``CourseSerializer`` is:
        building the fields cost a booking in a rush more than its insert."""
        try:
            return {name: read(booking) for name, read in _readers(BookingSerializer)}
        except _ReadTheUsualWay:
            return super().to_representation(booking)


class BookingRequestSerializer(serializers.Serializer):
    children_ages = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=MAX_CHILD_AGE),
        max_length=MAX_CHILDREN_PER_BOOKING,
        required=False,
        default=list,
        help_text="One entry per child who needs childcare; an empty list books without childcare.",
    )
    learner = serializers.IntegerField(
        required=False,
        help_text="Coordinators only: book for this learner (user id), e.g. after a phone call.",
    )
    confirm_overlap = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Book even though the course meets at the same time as another the learner "
        "holds or waits for (otherwise 409 `overlaps_booking`, naming that course).",
    )


class WaitlistEntrySerializer(serializers.ModelSerializer):
    """One waiting booking as the office works with it."""

    position = serializers.IntegerField(source="waitlist_position", read_only=True)
    waiting_since = serializers.DateTimeField(source="created_at", read_only=True)
    learner = ContactSerializer(read_only=True)
    priority_by_name = serializers.CharField(
        source="priority_by.get_full_name", read_only=True, default=None
    )

    class Meta:
        model = Booking
        fields = [
            "id", "position", "learner", "children_ages", "childcare_places", "waiting_since",
            "waitlist_priority", "priority_reason", "priority_at", "priority_by_name",
        ]  # fmt: skip
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=MAX_REASON_LENGTH,
        allow_blank=True,  # refused by the service, with the pages' message
        help_text="Why, in one line (recorded on the booking); required.",
    )


class OfferOutOfTurnSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[("offered", "offered"), ("first_in_line", "first_in_line")],
        help_text="`offered`: a place that fits was free and is offered now; `first_in_line`: "
        "none was, the booking is first on the waiting list and gets the next place that fits.",
    )
    booking = BookingSerializer()


class ProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["id", "name", "kind", "website"]


# Every field of a course a client might send; the ones not editable are refused by name.
COURSE_FIELD_NAMES = frozenset(f.name for f in Course._meta.concrete_fields)


class AttendanceEntrySerializer(serializers.Serializer):
    """One mark in ``PUT /sessions/{id}/attendance/``."""

    booking = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="A confirmed booking of the session's course."
    )
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


def attendance_entries(data=None):
    return AttendanceEntrySerializer(
        data=data, many=True, max_length=MAX_ATTENDANCE_ENTRIES, allow_empty=True
    )


class AttendanceSerializer(serializers.Serializer):
    """A confirmed participant and their mark for the session (first name only)."""

    booking = serializers.IntegerField(source="pk", read_only=True)
    first_name = serializers.SerializerMethodField()
    status = serializers.ChoiceField(
        choices=AttendanceStatus.choices,
        source="attendance_status",
        read_only=True,
        allow_null=True,
        help_text="null until marked.",
    )
    marked_at = serializers.DateTimeField(
        source="attendance_marked_at", read_only=True, allow_null=True
    )

    def get_first_name(self, booking) -> str:
        return selectors.first_name(booking.learner)


class TeacherSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)


class CourseTeachersSerializer(serializers.Serializer):
    """``{"teachers": [user ids]}``: the course's teachers, replacing the previous ones."""

    teachers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        max_length=services.MAX_TEACHERS_PER_COURSE,
        allow_empty=True,
        help_text="User ids of people with the teacher role.",
    )


class CourseTeachersAnswerSerializer(serializers.Serializer):
    teachers = TeacherSerializer(many=True, read_only=True)


class CourseMessageSerializer(serializers.ModelSerializer):
    """A message written to a course's people, as recorded."""

    sender_name = serializers.CharField(source="sender.full_name", read_only=True, default=None)

    class Meta:
        model = CourseMessage
        fields = [
            "id", "course", "audience", "subject", "body", "sender", "sender_name", "sent_as",
            "sent_at", "recipients",
        ]  # fmt: skip
        read_only_fields = fields


class CourseMessageRequestSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(
        choices=Audience.choices,
        help_text="`participants`: confirmed places; `waitlist`: the waiting list and open "
        "offers; `all`: both. A course's teachers may write to `participants` only.",
    )
    subject = serializers.CharField(
        max_length=MESSAGE_SUBJECT_MAX_LENGTH, help_text="One line; sent as typed."
    )
    body = serializers.CharField(
        max_length=MESSAGE_BODY_MAX_LENGTH,
        help_text="The message, as typed (line breaks kept; never translated or read as HTML).",
    )


# --- Filters -----------------------------------------------------------------------------


class CourseFilter(django_filters.FilterSet):
    level = django_filters.MultipleChoiceFilter(choices=Course._meta.get_field("level").choices)
    format = django_filters.MultipleChoiceFilter(choices=Course._meta.get_field("format").choices)
    municipality = django_filters.ModelChoiceFilter(queryset=Municipality.objects.all())
    region = django_filters.CharFilter(field_name="municipality__region")
    childcare = django_filters.BooleanFilter(method="filter_childcare")
    weekday = django_filters.NumberFilter(method="filter_weekday", min_value=0, max_value=6)
    starts_after = django_filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    status = django_filters.ChoiceFilter(choices=CourseStatus.choices)
    helper_language = django_filters.CharFilter(method="filter_helper_language")

    class Meta:
        model = Course
        fields = ["level", "format", "municipality", "childcare", "weekday", "status"]

    def filter_childcare(self, queryset, name, value):
        return (
            queryset.filter(childcare_places__gt=0)
            if value
            else queryset.filter(childcare_places=0)
        )

    def filter_weekday(self, queryset, name, value):
        # Weekdays are a small JSON list; match ids in Python to stay portable
        # across SQLite and PostgreSQL (the catalogue has hundreds of rows, not millions).
        day = int(value)
        ids = [pk for pk, days in queryset.values_list("pk", "weekdays") if day in (days or [])]
        return queryset.filter(pk__in=ids)

    def filter_helper_language(self, queryset, name, value):
        ids = [
            pk
            for pk, codes in queryset.values_list("pk", "helper_languages")
            if value in (codes or [])
        ]
        return queryset.filter(pk__in=ids)


_COURSE_FILTERS = frozenset(CourseFilter.base_filters)


def _near_parameters(request) -> tuple[Municipality, float, list[Municipality]] | None:
    """The town to search around, the radius and the district's towns (read
    once, for both the town and the distances)."""
    near = request.query_params.get("near")
    if near is None:
        return None
    errors = {}
    towns = municipalities() if near.isdigit() else []
    origin = next((town for town in towns if town.pk == int(near)), None)
    if origin is None:
        errors["near"] = [_("Unknown municipality.")]
    try:
        radius = float(request.query_params.get("radius_km", 15))
        if not MIN_RADIUS_KM <= radius <= MAX_RADIUS_KM:
            raise ValueError
    except ValueError:
        errors["radius_km"] = [_("Give a distance between 1 and 200 km.")]
    if errors or origin is None:
        raise serializers.ValidationError(errors)
    return origin, radius, towns


# --- Views -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Find courses",
        parameters=[
            OpenApiParameter("near", int, description="Municipality id to search around."),
            OpenApiParameter("radius_km", float, description="Radius around `near` (default 15)."),
        ],
    ),
    create=extend_schema(summary="Create a course (coordinators)"),
    partial_update=extend_schema(
        summary="Change a course (coordinators; PATCH only, there is no PUT)",
        description="Send only what changes. `level`, `format`, `municipality`, `starts_on`, "
        "`ends_on`, `exception_dates` and `status` are fixed once a course exists: sent, each "
        "is refused by name (400 `validation_error`); the municipality follows a new `venue`. "
        "409 `capacity_below_taken`: fewer seats or childcare places than confirmed and offered "
        "bookings hold (the message says how many). 409 `children_no_longer_fit`: the childcare "
        "(ages or places) would leave out a child booked or waiting. 409 "
        "`course_not_changeable`: the course is cancelled. More places go to the waiting list "
        "at once; a change calendars show sends each confirmed participant one updated "
        "invitation; every change is logged (`…/changes/`).",
        request=CourseUpdateSerializer,
        responses=CourseSerializer,
    ),
)
class CourseViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The course catalogue. Anyone may search it; coordinators create and run courses."""

    serializer_class = CourseSerializer
    filterset_class = CourseFilter
    allowed_roles = {
        "list": PUBLIC,
        "retrieve": PUBLIC,
        "sessions": PUBLIC,
        "create": {COORDINATOR},
        "publish": {COORDINATOR},
        "cancel": {COORDINATOR},
        "bookings": {LEARNER, COORDINATOR},
        "partial_update": {COORDINATOR},
        "changes": {COORDINATOR},
        "teachers": {COORDINATOR},
        "messages": {COORDINATOR, TEACHER},
        "skipped_dates": PUBLIC,
        "keep_date": {COORDINATOR},
        "waitlist": {COORDINATOR},
    }
    rule_errors = {
        "bookings": {409},
        "publish": {409},
        "cancel": {409},
        "partial_update": {409},
        ("messages", "post"): {409},
        "keep_date": {409},
    }

    def get_queryset(self):
        user = self.request.user
        queryset = selectors.visible_courses(user)
        if self.action == "list":
            if not has_role(user, COORDINATOR):  # coordinators list every course they run
                published_only = "status" not in self.request.query_params
                queryset = selectors.catalogue(user, published_only=published_only)
            near = _near_parameters(self.request)
            if near:
                queryset = selectors.within_reach(queryset, *near)
            return queryset  # availability for the page only: see ``list``
        return selectors.with_availability(queryset, user)

    def filter_queryset(self, queryset):
        """A list asked with none of ``CourseFilter``'s parameters (e.g. only
        ``near``) is not filtered by it: an unbound search changes nothing, and
        building the filter set and its form took a tenth of the request."""
        unbound = self.action == "list" and not set(self.request.query_params) & _COURSE_FILTERS
        for backend in self.filter_backends:
            if not (unbound and issubclass(backend, DjangoFilterBackend)):
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def list(self, request, *args, **kwargs):
        """The page is taken first (filters, count, the page's rows: no booking
        read), then the availability of its courses (``selectors.Listing``)."""
        listing = selectors.Listing(self.filter_queryset(self.get_queryset()), request.user)
        page = self.paginate_queryset(listing)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def perform_create(self, serializer):
        serializer.instance = services.create_course(**serializer.validated_data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        course = self.get_queryset().get(pk=serializer.instance.pk)
        return Response(self.get_serializer(course).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        course = get_object_or_404(selectors.visible_courses(request.user), pk=pk)
        if isinstance(request.data, dict):
            # Fields fixed at creation are refused by name, not dropped as unknown.
            services.check_editable(set(request.data) & COURSE_FIELD_NAMES)
        payload = CourseUpdateSerializer(course, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.update_course(course=course, by=request.user, **payload.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=course.pk)).data)

    @extend_schema(
        summary="A course's change log, newest first (paginated)",
        responses=CourseChangeSerializer(many=True),
        filters=False,
    )
    @action(
        detail=True, methods=["get"], filterset_class=None, serializer_class=CourseChangeSerializer
    )
    def changes(self, request, pk=None):
        course = get_object_or_404(selectors.visible_courses(request.user), pk=pk)
        page = self.paginate_queryset(selectors.course_changes(course))
        return self.get_paginated_response(CourseChangeSerializer(page, many=True).data)

    @extend_schema(
        summary="The concrete dates of a course, in date order (paginated)",
        responses=SessionSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, serializer_class=SessionSerializer)
    def sessions(self, request, pk=None):
        course = get_object_or_404(selectors.visible_courses(request.user), pk=pk)
        page = self.paginate_queryset(selectors.sessions_of(course))
        return self.get_paginated_response(SessionSerializer(page, many=True).data)

    @extend_schema(
        summary="Book a seat (plus childcare) or join the waiting list",
        request=BookingRequestSerializer,
        responses={201: BookingSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Send the same key again to get the first answer, never a second booking.",
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def bookings(self, request, pk=None):
        try:
            course = selectors.course_to_book(request.user, pk)  # with what the message names
        except Course.DoesNotExist as missing:
            raise Http404 from missing
        payload = BookingRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        learner = learner_to_act_for(
            request,
            payload.validated_data.get("learner"),
            missing=_("Say which learner to book for."),
            not_coordinator=_("Only coordinators book for others."),
        )

        def produce():
            booking = services.book_course(
                course=course,
                learner=learner,
                children_ages=payload.validated_data["children_ages"],
                booked_by=request.user,
                confirm_overlap=payload.validated_data["confirm_overlap"],
            )
            # The new booking carries its course and waiting-list position: the
            # answer needs no second read (it is what GET /bookings/{id}/ says).
            return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, f"booking:course:{course.pk}", produce)

    @extend_schema(
        summary="The waiting list in order, with how to reach each person (coordinators)",
        responses=WaitlistEntrySerializer(many=True),
        filters=False,
    )
    @action(
        detail=True, methods=["get"], filterset_class=None, serializer_class=WaitlistEntrySerializer
    )
    def waitlist(self, request, pk=None):
        course = get_object_or_404(selectors.visible_courses(request.user), pk=pk)
        page = self.paginate_queryset(selectors.waitlist_of(course))
        log_reads(
            actor=request.user,
            what=AccessWhat.WAITING_LIST,
            reads=[(b.learner_id, b.pk) for b in page],
        )
        return self.get_paginated_response(WaitlistEntrySerializer(page, many=True).data)

    @extend_schema(summary="Publish a draft course", request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        course = services.publish_course(course=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=course.pk)).data)

    @extend_schema(summary="Cancel a whole course and all its bookings", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        course = services.cancel_course(course=self.get_object(), by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=course.pk)).data)

    @extend_schema(
        summary="The dates the course's weekly plan skips, with their reasons (paginated)",
        description="Public holidays of Baden-Württemberg, closures that applied when the "
        "sessions were generated, and the course's own `exception_dates`. A kept date "
        "(`kept`) has a session after all.",
        responses=SkippedDateSerializer(many=True),
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="skipped-dates",
        filterset_class=None,
        serializer_class=SkippedDateSerializer,
    )
    def skipped_dates(self, request, pk=None):
        course = get_object_or_404(selectors.visible_courses(request.user), pk=pk)
        page = self.paginate_queryset(selectors.skipped_dates_of(course))
        return self.get_paginated_response(SkippedDateSerializer(page, many=True).data)

    @extend_schema(
        summary="Keep a skipped date: the course meets on it after all",
        description="Creates the session for a date the plan skipped (a holiday, a "
        "closure, an exception date). For a published course every confirmed participant "
        "gets the updated calendar. 409 `date_not_skipped`: the course does not skip that "
        "date; `date_not_keepable`: kept already, in the past, or a session is on that "
        "day; `course_not_changeable`: the course is cancelled.",
        request=KeepDateSerializer,
        responses={201: SessionSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="keep-date",
        filterset_class=None,
        serializer_class=KeepDateSerializer,
    )
    def keep_date(self, request, pk=None):
        course = get_object_or_404(selectors.visible_courses(request.user), pk=pk)
        payload = KeepDateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session = services.keep_date(
            course=course, day=payload.validated_data["date"], by=request.user
        )
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["get"],
        summary="Messages written to the course's people, newest first (paginated)",
        responses=CourseMessageSerializer(many=True),
        filters=False,
    )
    @extend_schema(
        methods=["post"],
        summary="Write to the course's participants, waiting list or both",
        description="One notification per person, on each of their channels (inbox, email), "
        "with the text as typed inside a frame in the person's language. Coordinators: any "
        "audience; the course's teachers: `participants` only (403 otherwise). 409 "
        "`course_cancelled`, `no_recipients`.",
        request=CourseMessageRequestSerializer,
        responses={201: CourseMessageSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Send the same key again to get the first answer, never a second message.",
            )
        ],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filterset_class=None,
        serializer_class=CourseMessageSerializer,
    )
    def messages(self, request, pk=None):
        course = get_object_or_404(selectors.courses_to_write_to(request.user), pk=pk)
        if request.method == "GET":
            page = self.paginate_queryset(selectors.messages_of(course))
            return self.get_paginated_response(CourseMessageSerializer(page, many=True).data)
        payload = CourseMessageRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)

        def produce():
            message = services.send_course_message(
                course=course, sender=request.user, **payload.validated_data
            )
            message = selectors.messages_of(course).get(pk=message.pk)
            return Response(CourseMessageSerializer(message).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, f"course-message:course:{course.pk}", produce)

    @extend_schema(
        methods=["GET"], summary="The course's teachers", responses=CourseTeachersAnswerSerializer
    )
    @extend_schema(
        methods=["PUT"],
        summary="Set the course's teachers (people with the teacher role)",
        request=CourseTeachersSerializer,
        responses=CourseTeachersAnswerSerializer,
    )
    @action(detail=True, methods=["get", "put"], filterset_class=None, pagination_class=None)
    def teachers(self, request, pk=None):
        course = get_object_or_404(selectors.visible_courses(request.user), pk=pk)
        if request.method == "PUT":
            payload = CourseTeachersSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            ids = payload.validated_data["teachers"]
            people = list(get_user_model().objects.filter(pk__in=ids))
            missing = sorted(set(ids) - {person.pk for person in people})
            if missing:
                message = _("Unknown person: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
                raise serializers.ValidationError({"teachers": [message]})
            course = services.assign_teachers(course=course, teachers=people, by=request.user)
        teachers = course.teachers.order_by("full_name", "email", "pk")
        return Response(CourseTeachersAnswerSerializer({"teachers": teachers}).data)


class SessionViewSet(UserLanguageMixin, viewsets.GenericViewSet):
    """Coordinators cancel or move a single session."""

    serializer_class = SessionSerializer
    allowed_roles = {
        "cancel": {COORDINATOR},
        "move": {COORDINATOR},
        "attendance": {COORDINATOR, TEACHER},
    }
    rule_errors = {"cancel": {409}, "move": {409}, ("attendance", "put"): {409}}

    def get_queryset(self):
        return CourseSession.objects.select_related("course")

    @extend_schema(summary="Cancel one session", request=CancelSessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        session = self.get_object()  # an unknown id is 404 whatever the body says
        payload = CancelSessionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session = services.cancel_session(session=session, note=payload.validated_data["note"])
        return Response(SessionSerializer(session).data)

    @extend_schema(
        summary="Move one session to another date or time", request=MoveSessionSerializer
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        session = self.get_object()
        payload = MoveSessionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        session = services.move_session(
            session=session,
            to_date=data["date"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            note=data["note"],
        )
        return Response(SessionSerializer(session).data)

    @extend_schema(
        methods=["GET"],
        summary="Attendance of one session: every confirmed participant and their mark",
        responses=AttendanceSerializer(many=True),
        filters=False,
    )
    @extend_schema(
        methods=["PUT"],
        summary="Mark attendance: present, absent or excused (all entries or none)",
        description=(
            'The body is a list of `{"booking": id, "status": …}`. Every booking must be a '
            "confirmed booking of the session's course, each at most once; bookings not "
            "listed keep their mark. A cancelled session is refused (409 "
            "`session_cancelled`); a session still to come takes only `excused` (409 "
            "`session_not_held`). Teachers of the course and coordinators; other "
            "teachers get 404. Answers like GET."
        ),
        request=attendance_entries(),
        responses=AttendanceSerializer(many=True),
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def attendance(self, request, pk=None):
        session = get_object_or_404(selectors.attendance_sessions(request.user), pk=pk)
        if request.method == "PUT":
            payload = attendance_entries(request.data)
            payload.is_valid(raise_exception=True)
            services.record_attendance(
                session=session, entries=payload.validated_data, by=request.user
            )
        participants = list(selectors.session_participants(session))
        log_reads(
            actor=request.user,
            what=AccessWhat.ATTENDANCE,
            reads=[(b.learner_id, b.pk) for b in participants],
        )
        return Response(AttendanceSerializer(participants, many=True).data)


class BookingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=BookingStatus.choices)

    class Meta:
        model = Booking
        fields = ["course", "status"]


class BookingViewSet(
    UserLanguageMixin,
    LogsReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bookings: learners see their own, coordinators all (filter by ``course``);
    a coordinator's reading of someone's booking (children's ages) is logged."""

    access_what = AccessWhat.BOOKING
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    allowed_roles = {
        "list": {LEARNER, COORDINATOR},
        "retrieve": {LEARNER, COORDINATOR},
        "cancel": {LEARNER, COORDINATOR},
        "accept_offer": {LEARNER, COORDINATOR},
        "offer": {COORDINATOR},
        "remove_from_waitlist": {COORDINATOR},
    }
    rule_errors = {
        "cancel": {409},
        "accept_offer": {409},
        "offer": {409},
        "remove_from_waitlist": {409},
    }

    def get_queryset(self):
        return selectors.visible_bookings(self.request.user)

    def _answer(self, booking):
        return Response(self.get_serializer(self.get_queryset().get(pk=booking.pk)).data)

    @extend_schema(summary="Cancel a booking", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._answer(services.cancel_booking(booking=self.get_object(), by=request.user))

    @extend_schema(summary="Accept an offered place", request=None)
    @action(detail=True, methods=["post"], url_path="accept-offer")
    def accept_offer(self, request, pk=None):
        return self._answer(services.accept_offer(booking=self.get_object(), by=request.user))

    @extend_schema(
        summary="Offer a waiting booking a place out of turn, with a reason (coordinators)",
        description="A hardship case. If a place that fits (a seat and the booking's childcare "
        "places) is free it is offered now; otherwise the booking goes first in line and gets "
        "the next place that fits. Only for waiting bookings (409 `not_waiting`).",
        request=ReasonSerializer,
        responses=OfferOutOfTurnSerializer,
    )
    @action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        booking = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        booking, offered = services.offer_out_of_turn(
            booking=booking, by=request.user, reason=payload.validated_data["reason"]
        )
        answer = self.get_serializer(self.get_queryset().get(pk=booking.pk)).data
        return Response({"outcome": "offered" if offered else "first_in_line", "booking": answer})

    @extend_schema(
        summary="Take a booking off the waiting list, with a reason (coordinators)",
        description="The person is told, with the reason. Only for waiting bookings "
        "(409 `not_waiting`).",
        request=ReasonSerializer,
        responses=BookingSerializer,
    )
    @action(detail=True, methods=["post"], url_path="remove-from-waitlist")
    def remove_from_waitlist(self, request, pk=None):
        booking = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(
            services.remove_from_waitlist(
                booking=booking, by=request.user, reason=payload.validated_data["reason"]
            )
        )


class ProviderViewSet(UserLanguageMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ProviderSerializer
    queryset = Provider.objects.order_by("name")
    pagination_class = None
    allowed_roles = {"list": PUBLIC, "retrieve": PUBLIC}


class ClosureScopeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        choices = [("district", "district"), ("provider", "provider"), ("venue", "venue")]
        super().__init__(choices=choices, read_only=True, **kwargs)


class ClosureSerializer(serializers.ModelSerializer):
    """A closure: days on which no course of its scope gets a session."""

    scope = ClosureScopeField(
        help_text="Whose courses it stops: the whole district (neither `provider` nor "
        "`venue`), one provider's, or one venue's."
    )
    provider_name = serializers.CharField(source="provider.name", read_only=True, default=None)
    venue_name = serializers.CharField(source="venue.name", read_only=True, default=None)

    class Meta:
        model = Closure
        fields = [
            "id", "name", "first_day", "last_day", "scope", "provider", "provider_name",
            "venue", "venue_name",
        ]  # fmt: skip


class ClosureFilter(django_filters.FilterSet):
    provider = django_filters.ModelChoiceFilter(queryset=Provider.objects.all())
    ends_after = django_filters.DateFilter(field_name="last_day", lookup_expr="gte")

    class Meta:
        model = Closure
        fields = ["provider", "venue"]


@extend_schema_view(
    list=extend_schema(summary="Closures and school holidays (coordinators)"),
    create=extend_schema(summary="Add a closure (coordinators)"),
    retrieve=extend_schema(summary="One closure (coordinators)"),
    partial_update=extend_schema(summary="Change a closure (coordinators)"),
    destroy=extend_schema(summary="Delete a closure (coordinators)"),
)
class ClosureViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Days without courses: for the whole district, one provider or one venue.

    Applied when a course's sessions are generated; changing or deleting a
    closure changes no course that exists (their skipped dates are stored).
    """

    serializer_class = ClosureSerializer
    filterset_class = ClosureFilter
    # Changes are partial (PATCH, ``partial_update`` below); there is no PUT.
    allowed_roles = {
        "list": {COORDINATOR},
        "retrieve": {COORDINATOR},
        "create": {COORDINATOR},
        "partial_update": {COORDINATOR},
        "destroy": {COORDINATOR},
    }

    def get_queryset(self):
        return selectors.closures_to_manage()

    def perform_create(self, serializer):
        serializer.instance = closures.create_closure(
            by=self.request.user, **serializer.validated_data
        )

    def partial_update(self, request, pk=None):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        closure = closures.update_closure(
            closure=serializer.instance, by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(closure).data)

    def perform_destroy(self, instance):
        closures.delete_closure(closure=instance, by=self.request.user)
