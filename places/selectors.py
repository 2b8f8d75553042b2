"""Reads about places."""

from .geo import distance_km
from .models import Municipality


def municipalities_within(origin: Municipality, radius_km: float) -> dict[int, float]:
    """Ids of municipalities within ``radius_km`` of ``origin``, with their distance.

    The district has 46 municipalities, so one query and a loop in Python is
    cheaper and clearer than distance maths in SQL.
    """
    result: dict[int, float] = {}
    for pk, lat, lon in Municipality.objects.values_list("pk", "latitude", "longitude"):
        km = distance_km(origin.latitude, origin.longitude, lat, lon)
        if km <= radius_km:
            result[pk] = round(km, 1)
    return result
