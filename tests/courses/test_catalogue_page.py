"""The search page's selects are written in Python (``forms.QuickSelect``) and
must stay what Django's templates write, byte for byte."""

import pytest
from django import forms
from django.utils import translation

from courses.forms import CourseSearchForm, QuickSelect
from places.models import Municipality

CHOICES = [
    ("", "Any"),
    ("a", "Plain"),
    (3, 'Quotes " and <tags> & ampersands'),
    ("Group", [("g1", "First in group"), ("g2", "Second")]),
    ("x'y", "Apostrophe"),
]


@pytest.mark.parametrize("value", [None, "", "a", 3, "3", "g2", "x'y", "missing"])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_x", "aria-invalid": "true", "required": True, "disabled": False}],
)
def test_a_quick_select_writes_what_the_templates_write(value, attrs):
    django_select = forms.Select(choices=CHOICES)
    quick = QuickSelect(choices=CHOICES)
    assert quick.render("pick", value, attrs) == django_select.render("pick", value, attrs)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "ar", "uk"])
@pytest.mark.parametrize(
    "data", [{}, {"near": "NEAR", "radius_km": "20", "level": "A1"}, {"near": "x", "weekday": 9}]
)
def test_the_search_form_renders_as_with_djangos_select(language, data, monkeypatch):
    assert all(
        isinstance(CourseSearchForm.base_fields[name].widget, QuickSelect)
        for name in ("level", "near", "radius_km", "weekday", "time_of_day")
    )
    if data.get("near") == "NEAR":
        data = {**data, "near": str(Municipality.objects.get(name="Neckarsulm").pk)}
    with translation.override(language):
        quick = str(CourseSearchForm(data or None))
        monkeypatch.setattr(QuickSelect, "render", forms.Select.render)
        assert quick.count("<option") > 40  # the district's towns are there
        assert str(CourseSearchForm(data or None)) == quick
