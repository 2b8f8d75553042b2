"""Texts of courses and venues in the learners' languages (django-modeltranslation).

The registrations (``courses/translation.py``, ``places/translation.py``) give
every translated field a column per language: ``title_de``, ``title_ar`` …
German is the source. How the library's language-dependent behaviour is tamed,
deliberately:

- **Queries speak German.** ``TranslatedTextsManager`` turns off the library's
  rewriting of lookups, so ``filter(title=…)``, ``order_by("title")`` and
  ``values("title")`` read the plain column in every language — the same
  statement for every visitor, which the catalogue's compiled statements and
  kept pages rely on.
- **The plain column is German.** Models save under German
  (``save_in_source_language``), so the plain ``title`` column is always
  ``title_de``: raw SQL, calendars, exports and joins from other models read
  German.
- **Writes of the plain names are German.** Services set them under German
  (``in_source_language``); translations are written by language and field
  (``apply_translations``), never by the active language.
- **Reading for a page or an answer** goes through ``text``: the caller's
  language if there is a text in it, else German, and which of the two it is,
  field by field. (``course.title`` follows the active language the same way,
  for templates that only show it; ``text`` also says the language.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from modeltranslation.manager import MultilingualManager

from common.errors import InvalidInput

_M = TypeVar("_M", bound=models.Model)

SOURCE_LANGUAGE = "de"
# Every language of the site holds texts; German is the source of the others.
TEXT_LANGUAGES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)
TARGET_LANGUAGES: tuple[str, ...] = tuple(c for c in TEXT_LANGUAGES if c != SOURCE_LANGUAGE)
BIDI_LANGUAGES = frozenset(settings.LANGUAGES_BIDI)


class TranslatedTextsManager(MultilingualManager[_M]):
    """The default manager of models with translated fields: the library's
    manager and queryset (``only``/``defer`` take every language along) with
    its rewriting of lookups off, so lookups on the plain names read the
    German column. A ``MultilingualManager`` already, so the library keeps
    this class rather than making one up at run time."""

    def get_queryset(self):
        return super().get_queryset().rewrite(False)


@contextmanager
def in_source_language():
    """Set or save plain-named translated fields (``course.title = …``) as German."""
    with translation.override(SOURCE_LANGUAGE):
        yield


def german_constructor(model) -> None:
    """Make ``Model(title=…)`` mean German whatever the active language: the
    library's constructor writes plain names into the active language's
    column. Called by the registrations (``courses/translation.py``); rows
    read from the database (positional values) take the usual way."""
    plain = frozenset(translated_fields(model))
    init = model.__init__

    def __init__(self, *args, **kwargs):
        if plain.isdisjoint(kwargs):
            init(self, *args, **kwargs)
            return
        with in_source_language():
            init(self, *args, **kwargs)

    model.__init__ = __init__


def translated_fields(model_or_obj) -> tuple[str, ...]:
    """The registered translated fields of a model, in declaration order."""
    from modeltranslation.translator import NotRegistered, translator

    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    try:
        options = translator.get_options_for_model(model)
    except NotRegistered:
        return ()
    return tuple(getattr(options, "fields", ()))


def column(field: str, language: str) -> str:
    return f"{field}_{language.replace('-', '_')}"


def stored(obj, field: str, language: str) -> str:
    """The text stored for ``language`` ("" if none), without any fallback."""
    return getattr(obj, column(field, language), None) or ""


def language_of(request_or_language) -> str:
    """A text language from a language code (``ar``, ``ar-EG``); German if unknown."""
    code = (request_or_language or "").lower().split("-")[0]
    return code if code in TEXT_LANGUAGES else SOURCE_LANGUAGE


@dataclass(frozen=True)
class Text:
    """A field's text as shown to someone, and the language it is written in."""

    value: str
    language: str

    def __str__(self) -> str:
        return self.value


def text(obj, field: str, language: str | None = None) -> Text:
    """``field`` of ``obj`` in ``language`` (default: the active one) if it was
    written in it, else the German source: the one fallback rule, per field."""
    language = language_of(language or translation.get_language())
    value = stored(obj, field, language)
    if value:
        return Text(value, language)
    return Text(stored(obj, field, SOURCE_LANGUAGE), SOURCE_LANGUAGE)


def missing_languages(obj, fields: Iterable[str] | None = None) -> list[str]:
    """Languages in which some field that has a German text has none: what the
    edit page marks as missing."""
    fields = tuple(fields) if fields is not None else translated_fields(obj)
    sourced = [field for field in fields if stored(obj, field, SOURCE_LANGUAGE)]
    return [
        language
        for language in TARGET_LANGUAGES
        if any(not stored(obj, field, language) for field in sourced)
    ]


def translations_of(obj, fields: Iterable[str] | None = None) -> dict[str, dict[str, str]]:
    """The stored translations (not German), by language then field; empty ones left out."""
    fields = tuple(fields) if fields is not None else translated_fields(obj)
    result: dict[str, dict[str, str]] = {}
    for language in TARGET_LANGUAGES:
        texts = {field: stored(obj, field, language) for field in fields}
        texts = {field: value for field, value in texts.items() if value}
        if texts:
            result[language] = texts
    return result


def check_translations(
    translations: object, fields: Iterable[str], *, name: str = "translations"
) -> dict[str, dict[str, str]]:
    """``{"ar": {"title": …}, …}`` as given, refused (``InvalidInput``, nothing
    changed) for an unknown language or field, German (which is the plain
    fields), or anything but text. Returns it normalised (texts stripped)."""
    fields = tuple(fields)
    if not isinstance(translations, Mapping):
        message = _("Translations are an object of languages, each with its texts.")
        raise InvalidInput(message, fields={name: [message]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, dict[str, str]] = {}
    for language, texts in translations.items():
        where = f"{name}.{language}"
        if language == SOURCE_LANGUAGE:
            errors[where] = [_("German is the source: write it in the fields themselves.")]
            continue
        if language not in TARGET_LANGUAGES:
            errors[where] = [
                _("Unknown language %(code)s; texts can be kept in: %(codes)s.")
                % {"code": language, "codes": ", ".join(TARGET_LANGUAGES)}
            ]
            continue
        if not isinstance(texts, Mapping):
            errors[where] = [_("Give the texts of a language as an object of fields.")]
            continue
        clean[language] = {}
        for field, value in texts.items():
            if field not in fields:
                errors[f"{where}.{field}"] = [
                    _("Unknown field %(field)s; translatable fields: %(fields)s.")
                    % {"field": field, "fields": ", ".join(fields)}
                ]
            elif value is not None and not isinstance(value, str):
                errors[f"{where}.{field}"] = [_("A translation is a text.")]
            else:
                clean[language][field] = (value or "").strip()
    if errors:
        raise InvalidInput(_("Please check the translations."), fields=errors)
    return clean


def translation_changes(translations: object, fields: Iterable[str]) -> dict[str, str]:
    """Checked translations (``check_translations``) as changes of their
    columns: ``{"ar": {"title": "…"}}`` → ``{"title_ar": "…"}`` ("" removes one)."""
    return {
        column(field, language): value
        for language, texts in check_translations(translations, fields).items()
        for field, value in texts.items()
    }


def direction(language: str) -> str:
    return "rtl" if language in BIDI_LANGUAGES else "ltr"


def page_language() -> str:
    return language_of(translation.get_language())


def marked(value: str, language: str, page: str | None = None) -> str:
    """Escaped ``value``, wrapped in ``<span lang dir>`` when it is written in
    another language than the page's (``page``, default the active one): a
    German text on an Arabic page reads left to right, its full stop at its
    end, and screen readers pronounce it as German. HTML, already escaped."""
    from django.utils.html import escape

    page = page or page_language()
    if not value or language == page:
        return escape(value)
    return f'<span lang="{language}" dir="{direction(language)}">{escape(value)}</span>'


def marked_text(obj, field: str, *, multiline: bool = False) -> str:
    """``text`` of ``obj``'s ``field`` for the page, marked (``marked``) if
    it fell back to German; ``multiline``: line breaks as ``<br>``
    (``linebreaksbr``). HTML, already escaped."""
    shown = text(obj, field)
    html = marked(shown.value, shown.language)
    if multiline:
        html = html.replace("\r\n", "\n").replace("\n", "<br>")
    return html
