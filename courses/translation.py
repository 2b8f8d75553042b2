"""Course texts kept in every language of the site (see common/translated.py)."""

from modeltranslation.translator import TranslationOptions, register

from common.translated import german_constructor

from .models import Course


@register(Course)
class CourseTranslationOptions(TranslationOptions):
    fields = ("title", "description", "what_to_bring")
    # "" (not NULL) for a missing translation, as for the German source.
    empty_values = ""


# ``Course(title=…)`` is German in every language (see german_constructor).
german_constructor(Course)
