"""Read-only API for municipalities and venues (public data)."""

from rest_framework import serializers, viewsets

from accounts.roles import PUBLIC
from common.api import UserLanguageMixin

from .models import Municipality, Venue


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "name", "region", "latitude", "longitude"]


class VenueSerializer(serializers.ModelSerializer):
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)

    class Meta:
        model = Venue
        fields = ["id", "name", "street", "postal_code", "municipality", "municipality_name",
                  "accessibility_notes"]  # fmt: skip


class MunicipalityViewSet(UserLanguageMixin, viewsets.ReadOnlyModelViewSet):
    """The district's 46 municipalities with region and coordinates (one list, not paginated)."""

    serializer_class = MunicipalitySerializer
    queryset = Municipality.objects.order_by("name")
    pagination_class = None
    allowed_roles = {"list": PUBLIC, "retrieve": PUBLIC}


class VenueViewSet(UserLanguageMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = VenueSerializer
    queryset = Venue.objects.select_related("municipality").order_by("municipality__name", "name")
    filterset_fields = ["municipality"]
    allowed_roles = {"list": PUBLIC, "retrieve": PUBLIC}
