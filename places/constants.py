"""Choice sets for places: the district's four planning regions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    NORTH_EAST = "NE", _("North-east")
    NORTH_WEST = "NW", _("North-west")
    SOUTH_WEST = "SW", _("South-west")
    SOUTH_EAST = "SE", _("South-east")
