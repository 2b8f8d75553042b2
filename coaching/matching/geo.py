"""Distances between municipalities, as the crow flies between town centres.

The same haversine formula and Earth radius as ``places.geo`` (which the
course search uses), repeated here so the engine imports nothing from the
Django apps. Every distance the engine uses, vectorised or for one pair, comes
from this one function, so a pair is judged the same way in both paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import asin, cos, radians, sin, sqrt

import numpy as np

from .types import Place

EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = radians(lat1), radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = radians(lon2 - lon1)
    a = sin(d_phi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))


def place_distance(a: Place, b: Place) -> float:
    if a.id == b.id:
        return 0.0
    return distance_km(a.latitude, a.longitude, b.latitude, b.longitude)


def distance_matrix(places: Sequence[Place]) -> np.ndarray:
    """``(n, n)`` float64 distances. Quadratic in Python calls, which is nothing
    for a district's few dozen municipalities; numpy's trigonometry is not used
    because it may round differently from ``math`` in the last bit."""
    n = len(places)
    out = np.zeros((n, n), dtype=np.float64)
    for i, a in enumerate(places):
        for j in range(i + 1, n):
            out[i, j] = place_distance(a, places[j])
            out[j, i] = place_distance(places[j], a)
    return out
