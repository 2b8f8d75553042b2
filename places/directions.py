"""The one way Kurslotse points people to a venue: a link to a journey planner.

Pages show it as a plain link, opened only when tapped: nothing is loaded from
another host with the page (the Content-Security-Policy stays closed), and the
learner's position is never sent anywhere by us. OpenStreetMap's directions
page asks where they start from and routes there; the venue's
``getting_there`` line says which bus or train to take.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

DIRECTIONS_BASE = "https://www.openstreetmap.org/directions"
_PLACES = Decimal("0.00001")  # about a metre: enough for an entrance, no more


def coordinates(venue) -> tuple[Decimal, Decimal] | None:
    """The venue's own coordinates, else its municipality's centre, else None."""
    if venue is None:
        return None
    if venue.latitude is not None and venue.longitude is not None:
        lat, lon = Decimal(venue.latitude), Decimal(venue.longitude)
    else:
        town = getattr(venue, "municipality", None)
        if town is None or town.latitude is None or town.longitude is None:
            return None
        lat, lon = Decimal(str(town.latitude)), Decimal(str(town.longitude))
    return (
        lat.quantize(_PLACES, rounding=ROUND_HALF_UP),
        lon.quantize(_PLACES, rounding=ROUND_HALF_UP),
    )


def directions_url(venue) -> str:
    """A journey-planner link to ``venue`` ("" when there is no place to point
    at, e.g. an online course's missing venue). Pages: ``{{ venue|directions_url }}``
    (``places.templatetags.places``) inside a plain ``<a href>``."""
    point = coordinates(venue)
    if point is None:
        return ""
    lat, lon = point
    query = urlencode({"to": f"{lat},{lon}"}, safe=",")
    return f"{DIRECTIONS_BASE}?{query}#map=17/{lat}/{lon}"
