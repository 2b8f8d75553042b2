"""Venue texts kept in every language of the site (see common/translated.py)."""

from modeltranslation.translator import TranslationOptions, register

from common.translated import german_constructor

from .models import Venue


@register(Venue)
class VenueTranslationOptions(TranslationOptions):
    fields = ("accessibility_notes", "getting_there")
    empty_values = ""


# ``Venue(title=…)`` is German in every language (see german_constructor).
german_constructor(Venue)
