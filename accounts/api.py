"""The signed-in person's own profile."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import UserLanguageMixin
from notifications.constants import OPTIONAL_CHANNELS

from . import services
from .models import User
from .roles import COORDINATOR, LEARNER, SIGNED_IN, has_role, roles_of
from .selectors import learners


class ProfileSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    notification_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=OPTIONAL_CHANNELS),
        required=False,
        max_length=len(OPTIONAL_CHANNELS),
        help_text="Channels besides the in-app inbox (which is always on), e.g. ['email'].",
    )

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "preferred_language", "phone", "home_municipality",
                  "notification_channels", "roles"]  # fmt: skip
        read_only_fields = ["id", "email", "roles"]

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
    """Read and change one's own profile: language, phone, home municipality."""

    allowed_roles = {"get": SIGNED_IN, "patch": SIGNED_IN}

    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request):
        serializer = ProfileSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.update_profile(user=request.user, **serializer.validated_data)
        return Response(ProfileSerializer(user).data)
