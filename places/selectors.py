"""Reads about places."""

from .geo import distance_km
from .models import Municipality


def municipalities() -> list[Municipality]:
    """The district's municipalities by name, in one query: what a search reads
    once per request for its choice of towns, the town asked for and the
    distances (46 rows; coordinators may correct one in the admin, so they are
    read, not kept in the process)."""
    return list(Municipality.objects.order_by("name", "pk"))


def municipalities_within(
    origin: Municipality, radius_km: float, among: list[Municipality] | None = None
) -> dict[int, float]:
    """Ids of municipalities within ``radius_km`` of ``origin``, with their distance.

    The district has 46 municipalities, so one query (none if the caller read
    them already: ``among``) and a loop in Python is cheaper and clearer than
    distance maths in SQL.
    """
    if among is None:
        places = list(Municipality.objects.values_list("pk", "latitude", "longitude"))
    else:
        places = [(town.pk, town.latitude, town.longitude) for town in among]
    result: dict[int, float] = {}
    for pk, lat, lon in places:
        km = distance_km(origin.latitude, origin.longitude, lat, lon)
        if km <= radius_km:
            result[pk] = round(km, 1)
    return result
