"""Venue texts kept in every language of the site (see common/translated.py)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Venue


@register(Venue)
class VenueTranslationOptions(TranslationOptions):
    fields = ("accessibility_notes", "getting_there")
    empty_values = ""
