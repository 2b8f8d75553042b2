"""The signed-in person's own profile."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import UserLanguageMixin
from notifications.constants import OPTIONAL_CHANNELS

from . import services
from .models import User
from .roles import SIGNED_IN, roles_of


class ProfileSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    notification_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=OPTIONAL_CHANNELS),
        required=False,
        help_text="Channels besides the in-app inbox (which is always on), e.g. ['email'].",
    )

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "preferred_language", "phone", "home_municipality",
                  "notification_channels", "roles"]  # fmt: skip
        read_only_fields = ["id", "email", "roles"]

    def get_roles(self, user) -> list[str]:
        return sorted(roles_of(user))


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
