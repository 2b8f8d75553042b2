"""How many SMS a text takes (3GPP TS 23.038 / 23.040).

A text whose every character is in the GSM 7-bit default alphabet (its basic
table, or its extension table, where a character takes two septets: an escape
and itself) is sent in GSM-7: 160 septets in one SMS, 153 per part of a
longer one (the rest carries the header that joins the parts). Any other
character (Arabic, Farsi, Cyrillic, "ş", an en dash) turns the whole text to
UCS-2: 70 UTF-16 code units in one SMS, 67 per part; a character outside
the Basic Multilingual Plane (an emoji) is two units. A part never splits a
character: an escape and its character, or the two halves of a surrogate
pair, go in the same part, as phones and gateways pack them.

German's ä, ö, ü, Ä, Ö, Ü and ß are in the basic table; é, è, ù, ì, ò, à,
Ç, ñ, Ñ, É, Å, å, Ø, ø, Æ, æ too; but not â, ê, ç, ğ, ş (Turkish) or á.
"""

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# (one SMS, each part of a longer one), in septets (GSM-7) or UTF-16 units (UCS-2).
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class Count:
    encoding: str  # GSM7 or UCS2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _weights(text: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def count(text: str) -> Count:
    """The encoding, length and number of SMS of ``text`` (0 for "")."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    weights = _weights(text, encoding)
    units = sum(weights)
    single, part = LIMITS[encoding]
    if units == 0:
        return Count(encoding, 0, 0)
    if units <= single:
        return Count(encoding, units, 1)
    segments, used = 1, 0
    for weight in weights:  # greedy, never splitting a character
        if used + weight > part:
            segments, used = segments + 1, 0
        used += weight
    return Count(encoding, units, segments)


def segments(text: str) -> int:
    return count(text).segments
