"""Texts of courses and venues on pages: ``{% load translated %}``.

``{% translated course "description" multiline=True %}`` shows the text in the
page's language if there is one, else the German source marked with
``lang="de" dir="ltr"`` (``common.translated.marked_text``).
``{{ venue.street|source_language }}`` marks text that is always German
(names of streets and places): left to right, in its order, on Arabic and
Persian pages too.
"""

from django import template
from django.utils.safestring import SafeString, mark_safe

from common.translated import SOURCE_LANGUAGE, marked, marked_text

register = template.Library()


@register.simple_tag
def translated(obj, field: str, multiline: bool = False) -> SafeString:
    if obj is None:
        return mark_safe("")
    return mark_safe(marked_text(obj, field, multiline=multiline))  # escaped there


@register.filter
def source_language(value) -> SafeString:
    """German text (a street, a place's name) marked as such on other pages."""
    return mark_safe(marked("" if value is None else str(value), SOURCE_LANGUAGE))


@register.simple_tag
def source_line(*parts) -> SafeString:
    """``{% source_line venue.postal_code town.name %}``: German parts as one
    marked run, so "74906 Bad Rappenau" keeps its order on right-to-left pages."""
    line = " ".join(str(part) for part in parts if part not in (None, ""))
    return mark_safe(marked(line, SOURCE_LANGUAGE))
