"""Single-line texts stay on one line.

Titles, names, places, venue names and addresses go into email subjects and
headers, iCalendar properties and exports. A line break (or any other control
character) in one of them splits a header, ends a property early or starts a
new spreadsheet row. Every ``CharField`` of our models carries
``validate_single_line`` (a guard test, tests/test_single_line.py, walks them
all), so model forms, the admin and DRF's model serializers refuse such input;
services check the fields they write with ``check_fields``.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Cc: C0/C1 controls (line feed, carriage return, tab, NUL, escape …);
# Zl/Zp: the Unicode line and paragraph separators.
_REFUSED_CATEGORIES = {"Cc", "Zl", "Zp"}


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in value)


@deconstructible(path="common.validators.SingleLineValidator")
class SingleLineValidator:
    message = _("Please write this on one line, without line breaks or control characters.")
    code = "single_line"

    def __call__(self, value) -> None:
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, SingleLineValidator)

    def __hash__(self) -> int:
        return hash(self.code)


validate_single_line = SingleLineValidator()


def check_fields(instance, *names: str) -> None:
    """Run the model's field validation (single line, length, choices) on the
    fields a service is about to write; refusals become ``InvalidInput``, which
    pages and the API both show on the named fields."""
    from .errors import InvalidInput  # (models import this module; keep DRF out of it)

    exclude = {field.name for field in instance._meta.concrete_fields} - set(names)
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        raise InvalidInput(fields=error.message_dict) from error
