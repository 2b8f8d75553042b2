"""Municipalities of the district and the venues where courses take place."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.translated import TranslatedTextsManager, in_source_language
from common.validators import validate_single_line

from .constants import Region


class Municipality(models.Model):
    """A town or municipality of the Landkreis, shipped as data (places/data)."""

    name = models.CharField(
        _("name"), max_length=100, unique=True, validators=[validate_single_line]
    )
    slug = models.SlugField(
        _("slug"), max_length=100, unique=True, validators=[validate_single_line]
    )
    region = models.CharField(_("region"), max_length=2, choices=Region.choices)
    postal_code = models.CharField(
        _("postal code"), max_length=5, validators=[validate_single_line]
    )
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Venue(models.Model):
    """A place where in-person courses meet, with what a visitor needs to know."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_single_line])
    street = models.CharField(
        _("street and number"), max_length=200, validators=[validate_single_line]
    )
    postal_code = models.CharField(
        _("postal code"), max_length=5, validators=[validate_single_line]
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="venues",
        verbose_name=_("municipality"),
    )
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)
    getting_there = models.TextField(
        _("getting there by bus or train"),
        blank=True,
        max_length=500,
        help_text=_("Which bus or train stops nearby, and the walk from the stop."),
    )
    # Where the entrance is, for the directions link (places.directions). Empty:
    # the link points at the municipality's centre.
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    updated_at = models.DateTimeField(auto_now=True, help_text="iCalendar LAST-MODIFIED")

    # Accessibility notes and getting there are kept in every language
    # (places/translation.py); lookups on the plain names read German.
    objects = TranslatedTextsManager()

    class Meta:
        ordering = ["municipality__name", "name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return f"{self.name}, {self.municipality.name}"

    def save(self, *args, **kwargs):
        with in_source_language():  # the plain columns hold German (common.translated)
            super().save(*args, **kwargs)

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Give both latitude and longitude, or neither.")})
