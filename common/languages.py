"""Names of the languages newcomers in the district speak, by ISO 639-1 code.

Used for courses' helper languages and for coaches' and learners' languages.
"""

from django.utils.translation import gettext_lazy as _

LANGUAGE_NAMES = {
    "ar": _("Arabic"),
    "de": _("German"),
    "en": _("English"),
    "fa": _("Persian"),
    "fr": _("French"),
    "it": _("Italian"),
    "ku": _("Kurdish"),
    "pl": _("Polish"),
    "ps": _("Pashto"),
    "ro": _("Romanian"),
    "ru": _("Russian"),
    "so": _("Somali"),
    "sq": _("Albanian"),
    "ti": _("Tigrinya"),
    "tr": _("Turkish"),
    "uk": _("Ukrainian"),
    "ur": _("Urdu"),
    "vi": _("Vietnamese"),
}


LANGUAGE_CODES = sorted(LANGUAGE_NAMES)


def language_name(code: str) -> str:
    return str(LANGUAGE_NAMES.get(code, code))
