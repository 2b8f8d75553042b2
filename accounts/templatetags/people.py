"""How pages show people's contact details."""

from django import template

from accounts import phones

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """A stored number as people read it: "+49 711 123456"."""
    return phones.display(value)


@register.filter
def tel_link(value: str) -> str:
    """The number for a ``tel:`` link (E.164, no spaces)."""
    return phones.normalise(value) or value
