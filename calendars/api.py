"""The API for one's own calendar feed: show its URL, or revoke it for a new one."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import SIGNED_IN
from common.api import UserLanguageMixin

from . import services


class FeedURLSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text="The private feed (https). Anyone with this URL can read your dates."
    )
    webcal_url = serializers.CharField(
        help_text="The same feed as webcal:// link, which opens the calendar app to subscribe."
    )


def _urls(request, token: str) -> dict:
    url = request.build_absolute_uri(reverse("calendars:feed", kwargs={"token": token}))
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


class FeedView(UserLanguageMixin, APIView):
    """Your private calendar feed: courses you booked, coaching meetings and,
    for coordinators, ``?region=NE|NW|SW|SE`` for all courses of a region.
    Subscribed calendars refresh about every 12 hours."""

    allowed_roles = {"get": SIGNED_IN}

    @extend_schema(responses=FeedURLSerializer, operation_id="calendar_feed_retrieve")
    def get(self, request):
        token = services.feed_token(request.user)
        return Response(FeedURLSerializer(_urls(request, token)).data)


class FeedRotateView(UserLanguageMixin, APIView):
    """Revoke the feed URL at once and issue a new one (e.g. after sharing it by mistake)."""

    allowed_roles = {"post": SIGNED_IN}

    @extend_schema(request=None, responses=FeedURLSerializer, operation_id="calendar_feed_rotate")
    def post(self, request):
        token = services.rotate_feed_token(request.user)
        return Response(FeedURLSerializer(_urls(request, token)).data)
