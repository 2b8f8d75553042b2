"""Catch untranslated fallbacks: record every message looked up in a language
whose catalogue does not have it (ours, Django's or allauth's)."""

from contextlib import contextmanager

from django.utils import translation
from django.utils.translation import trans_real


@contextmanager
def record_untranslated():
    missing: set[str] = set()
    real = translation._trans  # type: ignore[attr-defined]
    original_gettext, original_ngettext = trans_real.gettext, trans_real.ngettext

    def known(message: str) -> bool:
        language = translation.get_language()
        if not message.strip() or language in (None, "en"):
            return True
        catalog = trans_real.translation(language)._catalog
        return message in catalog or (message, 0) in catalog

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
