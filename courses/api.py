"""REST API for the course catalogue and bookings: validate, call a service, serialise."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import ContactSerializer, learner_to_act_for
from accounts.roles import COORDINATOR, LEARNER, PUBLIC, has_role
from common.api import UserLanguageMixin
from common.idempotency import run_idempotent
from places.models import Municipality

from . import selectors, services
from .constants import (
    HELPER_LANGUAGES,
    MAX_CHILD_AGE,
    MAX_CHILDREN_PER_BOOKING,
    MAX_EXCEPTION_DATES,
    MAX_REASON_LENGTH,
    NEW_COURSE_STATUSES,
    BookingStatus,
    CourseStatus,
)
from .models import Booking, Course, CourseSession, Provider

# --- Serializers ---------------------------------------------------------------------


class VenueSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    street = serializers.CharField()
    postal_code = serializers.CharField()
    accessibility_notes = serializers.CharField()


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
        child=serializers.DateField(), required=False, max_length=MAX_EXCEPTION_DATES
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

    class Meta:
        model = Course
        fields = [
            "id", "title", "description", "what_to_bring", "level", "format", "status",
            "provider", "provider_name", "venue", "venue_detail", "municipality",
            "municipality_name", "region", "online_meeting_link", "seats", "childcare_places",
            "childcare_min_age", "childcare_max_age", "helper_languages", "starts_on", "ends_on",
            "weekdays", "start_time", "end_time", "exception_dates", "registration_deadline",
            "offer_hours", "seats_left", "childcare_places_left", "waitlist_length",
            "distance_km", "my_booking_status",
        ]  # fmt: skip
        extra_kwargs = {"seats": {"min_value": 1}}

    def to_representation(self, course):
        """Seats left come from ``selectors.with_places_left``; the online link only for
        those ``selectors.may_see_online_link`` admits (as on the course page)."""
        data = super().to_representation(course)
        if not selectors.may_see_online_link(self.context["request"].user, course):
            data["online_meeting_link"] = None
        return data


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


def _near_parameters(request) -> tuple[Municipality, float] | None:
    near = request.query_params.get("near")
    if near is None:
        return None
    errors = {}
    origin = Municipality.objects.filter(pk=near).first() if near.isdigit() else None
    if origin is None:
        errors["near"] = [_("Unknown municipality.")]
    try:
        radius = float(request.query_params.get("radius_km", 15))
        if not 1 <= radius <= 200:
            raise ValueError
    except ValueError:
        errors["radius_km"] = [_("Give a distance between 1 and 200 km.")]
    if errors or origin is None:
        raise serializers.ValidationError(errors)
    return origin, radius


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
        "waitlist": {COORDINATOR},
    }
    rule_errors = {"bookings": {409}, "publish": {409}, "cancel": {409}}

    def get_queryset(self):
        user = self.request.user
        queryset = selectors.visible_courses(user)
        if self.action == "list":
            if not has_role(user, COORDINATOR) and "status" not in self.request.query_params:
                queryset = queryset.filter(status=CourseStatus.PUBLISHED)
            near = _near_parameters(self.request)
            if near:
                queryset = selectors.within_reach(queryset, *near)
        return selectors.with_availability(queryset, user)

    def perform_create(self, serializer):
        serializer.instance = services.create_course(**serializer.validated_data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        course = self.get_queryset().get(pk=serializer.instance.pk)
        return Response(self.get_serializer(course).data, status=status.HTTP_201_CREATED)

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
        course = get_object_or_404(selectors.visible_courses(request.user), pk=pk)
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
            booking = selectors.visible_bookings(request.user).get(pk=booking.pk)
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


class SessionViewSet(UserLanguageMixin, viewsets.GenericViewSet):
    """Coordinators cancel or move a single session."""

    serializer_class = SessionSerializer
    allowed_roles = {"cancel": {COORDINATOR}, "move": {COORDINATOR}}
    rule_errors = {"cancel": {409}, "move": {409}}

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


class BookingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=BookingStatus.choices)

    class Meta:
        model = Booking
        fields = ["course", "status"]


class BookingViewSet(
    UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Bookings: learners see their own, coordinators all (filter by ``course``)."""

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
