"""The in-app inbox: every notification, in the reader's language."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import SIGNED_IN
from common.api import UserLanguageMixin

from . import selectors, services
from .models import Notification
from .texts import render


class NotificationSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "lines", "payload", "created_at", "read_at"]

    def _text(self, notification):
        language = self.context["request"].user.preferred_language
        return render(notification.kind, notification.payload, language)

    def get_subject(self, notification) -> str:
        return self._text(notification).subject

    def get_lines(self, notification) -> list[str]:
        return list(self._text(notification).lines)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="`true`: only the unread ones.")]
    )
)
class NotificationViewSet(
    UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """One's own inbox: newest first; ``?unread=true`` for the unread ones."""

    serializer_class = NotificationSerializer
    allowed_roles = {"list": SIGNED_IN, "retrieve": SIGNED_IN, "read": SIGNED_IN}

    def get_queryset(self):
        queryset = selectors.inbox_of(self.request.user)
        if self.request.query_params.get("unread") == "true":
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(summary="Mark as read", request=None)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.mark_read(notification=self.get_object(), reader=request.user)
        return Response(self.get_serializer(notification).data)
