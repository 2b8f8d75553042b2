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


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "ar", "uk", "tr", "fa", "ru"])
def test_a_course_card_is_what_the_card_template_writes(language):
    """``cards.course_card`` against ``_course_card.html`` for courses of every
    shape: draft, cancelled, online, without childcare, full, booked, far."""
    from django.template.loader import render_to_string

    from courses import selectors, services
    from courses.cards import course_card, course_cards
    from courses.constants import CourseStatus, Format
    from courses.models import Course
    from courses.views import _describe

    from ..factories import CourseFactory, UserFactory, municipality

    learner = UserFactory(roles=["learner"])
    coordinator = UserFactory(roles=["coordinator"])
    CourseFactory(status=CourseStatus.DRAFT, title='Deutsch <b>&</b> "mehr"',
                  helper_languages=["ar", "uk"])  # fmt: skip
    CourseFactory(status=CourseStatus.CANCELLED, municipality=municipality("Eppingen"))
    CourseFactory(format=Format.ONLINE, municipality=None, childcare_places=0,
                  childcare_min_age=None, childcare_max_age=None, helper_languages=[])  # fmt: skip
    full = CourseFactory(seats=1, childcare_places=1, municipality=municipality("Wüstenrot"))
    services.book_course(course=full, learner=learner, children_ages=[2])
    waiting = UserFactory(roles=["learner"])
    services.book_course(course=full, learner=waiting, children_ages=[])
    near = municipality("Bad Rappenau")
    for viewer in (learner, waiting, coordinator):
        everything = selectors.with_availability(Course.objects.all(), viewer)
        around = selectors.with_availability(
            selectors.within_reach(Course.objects.all(), near, 60), viewer
        )
        with translation.override(language):
            courses = _describe(list(everything)) + _describe(list(around))
            assert len(courses) == 7
            # One page's cards share their texts, dates and times (``_Texts``).
            for course, card in zip(courses, course_cards(courses), strict=True):
                template = render_to_string(
                    "courses/_course_card.html", {"course": course, "CourseStatus": CourseStatus}
                )
                assert card == template
                assert course_card(course) == template


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_kept_search_form_is_the_form_as_rendered_now(language, client):
    """``forms.search_form_html`` keeps the form's HTML by what it is made of:
    the same asked values give the same HTML as a fresh render; another value,
    an error, another language or a renamed town gives its own."""
    from django.template.loader import render_to_string

    from courses.forms import search_form_html

    town = Municipality.objects.get(name="Neckarsulm")
    asked = [{"near": str(town.pk), "radius_km": "20"}, {"near": "x"}, {"weekday": "9"}, {}]
    with translation.override(language):
        for data in asked * 2:  # the second time from what was kept
            fresh = render_to_string("includes/form_fields.html", {"form": CourseSearchForm(data)})
            assert search_form_html(CourseSearchForm(data)) == fresh
        before = search_form_html(CourseSearchForm(asked[0]))
        town.name = "Neckarsulm am Neckar"
        town.save()
        after = search_form_html(CourseSearchForm(asked[0]))
        assert "Neckarsulm am Neckar" in after and "Neckarsulm am Neckar" not in before
        page = client.get("/courses/", {"near": town.pk, "radius_km": 20})
        assert "Neckarsulm am Neckar" in page.content.decode()


@pytest.mark.django_db
def test_checkbox_labels_end_without_a_colon(client):
    page = client.get("/courses/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<label for="id_childcare">With childcare</label>' in page
    assert "With childcare:" not in page and '<label for="id_level">Level:</label>' in page
