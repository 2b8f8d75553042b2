"""Distances between municipalities, as the crow flies between town centres.

Every distance comes from ``places.geo.distance_km`` (plain Python, no Django
import, so the engine stays free of the Django apps): a pair is judged the
same way in the matrix, for one pair, and in the course search.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from places.geo import distance_km

from .types import Place


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
