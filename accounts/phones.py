"""Phone numbers, read as people in the district write them.

Numbers are parsed with ``phonenumbers`` (Google's libphonenumber) for the
region ``DE``: "0711 123456", "0711/123456" and "+49 711 123456" are the same
number, stored as E.164 ("+49711123456"), so the office finds a caller
whichever way they or a colleague typed it. What cannot be a phone number
("abc") or has the wrong length for its area ("12", "071311", by
libphonenumber's rules for each country) is refused with a message in the
reader's language.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Numbers without a country code are German ones.
DEFAULT_REGION = "DE"


def parse(value: str) -> phonenumbers.PhoneNumber | None:
    """The number ``value`` means, or None if it cannot be a phone number."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise(value: str) -> str:
    """``value`` in E.164 ("+49711123456"); "" for "" and for what is no number."""
    number = parse(value)
    if number is None:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# What can receive a text message: mobile numbers, and those libphonenumber
# cannot tell from a landline (the US, Canada). A German landline ("0711 …")
# cannot: its owner hears from the office instead (notifications/calls.py).
_TEXTABLE = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def can_receive_sms(value: str) -> bool:
    number = parse(value)
    return number is not None and phonenumbers.number_type(number) in _TEXTABLE


def display(value: str) -> str:
    """How a stored number is shown: "+49 711 123456" (the stored text if it is none)."""
    number = parse(value)
    if number is None:
        return value or ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@deconstructible(path="accounts.phones.PhoneValidator")
class PhoneValidator:
    message = _("Write a phone number, for example 07131 123456 or +49 7131 123456.")
    code = "invalid_phone"

    def __call__(self, value) -> None:
        if value and parse(str(value)) is None:
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, PhoneValidator)

    def __hash__(self) -> int:
        return hash(self.code)


validate_phone = PhoneValidator()
