"""An Arabic learner reads a course with an Arabic description and German
what-to-bring (no translation yet) on a phone: the Arabic text runs right to
left, the German fallback left to right, its full stop at its end."""

from decimal import Decimal

import pytest

from accounts.roles import LEARNER

from ..factories import CourseFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_arabic_text_runs_right_to_left_and_the_german_fallback_left_to_right(
    page, sign_in, live_server, screenshot
):
    venue = VenueFactory(
        street="Schulstraße 4",
        getting_there="Bus 631 bis „Schulzentrum“, dann 2 Minuten zu Fuß.",
        latitude=Decimal("49.2381"),
        longitude=Decimal("9.1012"),
    )
    course = CourseFactory(
        title="Deutsch A1",
        description="Für Anfänger ohne Vorkenntnisse.",
        what_to_bring="Heft und Stift.",
        venue=venue,
        translations={
            "ar": {"title": "اللغة الألمانية A1", "description": "للمبتدئين بدون معرفة سابقة."}
        },
    )
    learner = UserFactory(roles=[LEARNER], preferred_language="ar")
    sign_in(learner)
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page.goto(f"/courses/{course.pk}/")
    assert page.get_attribute("html", "dir") == "rtl"

    def direction(selector: str) -> str:
        return page.eval_on_selector(selector, "node => getComputedStyle(node).direction")

    assert page.inner_text("#description") == "للمبتدئين بدون معرفة سابقة."
    assert direction("#description") == "rtl"
    german = "#what-to-bring > span[lang=de]"
    assert page.inner_text(german) == "Heft und Stift."
    assert direction(german) == "ltr"
    assert direction("#getting-there > span[lang=de]") == "ltr"
    # The full stop stays at the end of the German line: it is the rightmost glyph.
    box = page.eval_on_selector(
        german,
        """node => {
            const range = document.createRange();
            const text = node.firstChild;
            range.setStart(text, text.length - 1); range.setEnd(text, text.length);
            const stop = range.getBoundingClientRect();
            range.setStart(text, 0); range.setEnd(text, 1);
            const first = range.getBoundingClientRect();
            return {stop: stop.left, first: first.left};
        }""",
    )
    assert box["stop"] > box["first"]
    link = page.get_attribute("#directions", "href")
    assert link.startswith("https://www.openstreetmap.org/directions?to=49.23810,9.10120")
    screenshot("course-texts-ar")
