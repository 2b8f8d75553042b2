"""Shared pieces of the API views."""

from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from accounts.roles import COORDINATORS, DATA_PROTECTION_OFFICERS


class UserLanguageMixin:
    """Answer in the signed-in user's preferred language.

    DRF authenticates token requests inside the view, after the locale
    middleware has run, so the language is switched here once the user is known.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        if user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language


class RetentionRunSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True)
    finished_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Empty while the run goes on (or if it died)."
    )
    removed = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Rule key → how many records the rule removed (warned, for the warning).",
    )
    errors = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Rule key → why the rule failed; empty when every rule ran.",
    )


class RetentionRunViewSet(UserLanguageMixin, viewsets.GenericViewSet):
    """The runs of the nightly retention task, newest first (README: "Data protection")."""

    allowed_roles = {"list": COORDINATORS | DATA_PROTECTION_OFFICERS}
    serializer_class = RetentionRunSerializer

    def get_queryset(self):
        from . import selectors

        return selectors.retention_runs()

    @extend_schema(responses=RetentionRunSerializer(many=True))
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RetentionRunSerializer(page, many=True).data)
