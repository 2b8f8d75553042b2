"""The Django admin works for a coordinator in a real browser under the strict
Content-Security-Policy: the page fixture fails on any console error (a
blocked inline script or style would show there)."""

import pytest

from accounts.roles import COORDINATOR

from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_coordinator_uses_the_admin_without_csp_errors(page, sign_in):
    course = CourseFactory(title="Deutsch B1 Abendkurs")
    sign_in(UserFactory(roles=[COORDINATOR], preferred_language="en"))
    page.goto("/admin/")
    assert page.locator("#content h1").count() == 1
    page.goto("/admin/courses/course/?q=Abendkurs")
    assert "Deutsch B1 Abendkurs" in page.inner_text("#result_list")
    page.goto(f"/admin/courses/course/{course.pk}/change/")
    assert page.locator("form#course_form").count() == 1
