"""Distances between municipalities.

Public transport in the district is poor, so "near" means as the crow flies
between town centres; that is good enough to rank and filter 46 places and
needs no GIS database. Plain Python without Django: the matching engine
(coaching/matching, which must not import the Django apps) uses it too.
"""

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = radians(lat1), radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = radians(lon2 - lon1)
    a = sin(d_phi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(d_lambda / 2) ** 2
    # min(): rounding can push a hair above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))
