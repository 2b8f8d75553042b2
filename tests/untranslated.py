"""Catch untranslated fallbacks: record every message looked up in a language
whose catalogue does not have it (ours, Django's or allauth's)."""

from contextlib import contextmanager

from django.utils import translation
from django.utils.translation import trans_real


@contextmanager
def record_untranslated():
    missing: set[str] = set()
    translated_texts: dict[str, set[str]] = {}
    real = translation._trans  # type: ignore[attr-defined]
    original_gettext, original_ngettext = trans_real.gettext, trans_real.ngettext

    def known(message: str) -> bool:
        language = translation.get_language()
        if not message.strip() or language in (None, "en"):
            return True
        catalog = trans_real.translation(language)._catalog
        if message in catalog or (message, 0) in catalog:
            return True
        # Django looks up some texts twice (a language's name, once translated,
        # is passed through gettext again); a finished translation is not a gap.
        if language not in translated_texts:
            translated_texts[language] = {str(text) for _key, text in catalog.items()}
        return message in translated_texts[language]

    def gettext(message):
        if not known(message):
            missing.add(message)
        return original_gettext(message)

    def ngettext(singular, plural, number):
        if not known(singular):
            missing.add(singular)
        return original_ngettext(singular, plural, number)

    real.gettext, real.ngettext = gettext, ngettext
    try:
        yield missing
    finally:
        real.gettext, real.ngettext = original_gettext, original_ngettext
