"""Read-only API for municipalities and venues (public data)."""

from rest_framework import serializers, viewsets

from accounts.roles import PUBLIC
from common.api import UserLanguageMixin

from .directions import directions_url
from .models import Municipality, Venue


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "name", "region", "latitude", "longitude"]


class VenueSerializer(serializers.ModelSerializer):
    """A venue; its accessibility notes and getting-there line in the caller's
    language, else German (``common.translated``)."""

    municipality_name = serializers.CharField(source="municipality.name", read_only=True)
    directions_url = serializers.SerializerMethodField(
        help_text="A journey-planner link to the venue (OpenStreetMap): open it on request "
        "only, it is another site."
    )

    class Meta:
        model = Venue
        fields = ["id", "name", "street", "postal_code", "municipality", "municipality_name",
                  "accessibility_notes", "getting_there", "latitude", "longitude",
                  "directions_url"]  # fmt: skip
        extra_kwargs = {
            "latitude": {"coerce_to_string": False},
            "longitude": {"coerce_to_string": False},
        }

    def get_directions_url(self, venue) -> str:
        return directions_url(venue)


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
