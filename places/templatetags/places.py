"""Template helpers for venues: ``{% load places %}``."""

from django import template

from places.directions import directions_url as _directions_url

register = template.Library()


@register.filter
def directions_url(venue) -> str:
    """``{{ venue|directions_url }}``: see ``places.directions.directions_url``."""
    return _directions_url(venue)
