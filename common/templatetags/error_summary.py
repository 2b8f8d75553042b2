"""The links of a form's error summary: one per refused field, to the input itself.

A person on a phone who sends a form and sees the same page again must learn
at once that something was refused and where: ``includes/form_errors.html``
lists every refusal at the top and ``static/js/site.js`` moves the focus
there. Each link must land on an input that can take the focus, which for a
group of boxes (checkboxes, radio buttons, the children's ages) is one of the
boxes, not the group.
"""

from dataclasses import dataclass

from django import template
from django.forms import BoundField, MultiWidget
from django.forms.widgets import ChoiceWidget

register = template.Library()


@dataclass(frozen=True)
class ErrorLink:
    target: str  # the id of the input to jump to; "" for a refusal of the whole form
    label: str
    message: str


def error_target(field: BoundField) -> str:
    """The id of the input a link to ``field``'s error should reach."""
    chosen = getattr(field, "error_target", None)  # a field that knows its refused box
    if chosen:
        return chosen
    widget = field.field.widget
    if field.id_for_label:
        return field.id_for_label
    if isinstance(widget, MultiWidget) or (
        isinstance(widget, ChoiceWidget) and widget.input_type in ("radio", "checkbox")
    ):
        return f"{field.auto_id}_0"
    return field.auto_id or ""


@register.filter
def error_links(form) -> list[ErrorLink]:
    """Every refusal of ``form`` in page order: the form's own first, then each field's."""
    links = [ErrorLink("", "", str(message)) for message in form.non_field_errors()]
    for field in form:
        if field.is_hidden:
            links += [ErrorLink("", "", str(message)) for message in field.errors]
            continue
        links += [
            ErrorLink(error_target(field), str(field.label or ""), str(message))
            for message in field.errors
        ]
    return links
